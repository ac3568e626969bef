#pragma once
/// pg-send's webhooks and spool commands: the targets of a webhooks file,
/// the ones --flush needs, --status and --requeue-dead.
#include <optional>
#include <string>
#include <vector>

#include "sender.hpp"

namespace pgtail {

/// The enabled webhooks of the webhooks file at `path` (only `only`, when
/// given), each with `platform` and `pacing` when given; *spool the file's
/// [global] spool. Returns an exit status after saying what is wrong, or -1.
int targets_from_config(const std::string& path, const std::string& only, const std::string& platform,
                        std::optional<PerPeriod> pacing, std::vector<WebhookTarget>* out, std::string* spool);
/// --flush: *targets cut to the webhooks with deliveries spooled under
/// `root` (only `only`, when given); one without a URL among *targets is
/// named (usage error, 64). Returns an exit status, or -1.
int flush_targets(const std::string& root, const std::string& only, bool use_config,
                  std::vector<WebhookTarget>* targets);
/// --status: one line per webhook folder of `root` on stdout.
int show_status(const std::string& root);
/// --requeue-dead: the dead deliveries of each webhook (only `only`, when
/// given) back at the end of its queue.
int requeue_dead(const std::string& root, const std::string& only);

}  // namespace pgtail
