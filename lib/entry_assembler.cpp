#include "entry_assembler.hpp"

#include <algorithm>

#include "utf8.hpp"

namespace pgtail {

EntryAssembler::EntryAssembler(size_t max_entry_bytes, int64_t idle_ms, Sink sink)
    : max_bytes_(max_entry_bytes), idle_ms_(idle_ms), sink_(std::move(sink)) {
  slots_.resize(kMaxPending);  // never reallocated: last_field points into it
  pending_.reserve(kMaxPending);
  for (size_t i = kMaxPending; i-- > 0;) free_.push_back(&slots_[i]);
}

EntryAssembler::Slot* EntryAssembler::find(int64_t key) {
  if (newest_ && newest_->state == State::kPending && newest_->key == key) return newest_;
  for (Slot* s : pending_)
    if (s->key == key) return s;
  return nullptr;
}

EntryAssembler::Slot* EntryAssembler::take_slot() {
  if (free_.empty()) {
    // Full: the oldest entry is done early (and in ordered mode, with it every
    // finished entry that waited behind it).
    Slot* oldest = order_.front();
    if (oldest->state == State::kPending) complete(oldest);
    drain();
  }
  Slot* s = free_.back();
  free_.pop_back();
  order_.push_back(s);
  return s;
}

void EntryAssembler::release(Slot* s) {
  s->state = State::kFree;
  s->last_field = nullptr;
  free_.push_back(s);
}

void EntryAssembler::complete(Slot* s) {
  auto it = std::find(pending_.begin(), pending_.end(), s);
  *it = pending_.back();
  pending_.pop_back();
  if (newest_ == s) newest_ = nullptr;
  s->state = State::kDone;
  if (!ordered_) {
    sink_(*s->ev);
    order_.erase(std::find(order_.begin(), order_.end(), s));
    release(s);
  }
}

void EntryAssembler::drain() {
  while (!order_.empty() && order_.front()->state == State::kDone) {
    Slot* s = order_.front();
    order_.pop_front();
    sink_(*s->ev);
    release(s);
  }
}

void EntryAssembler::start(std::unique_ptr<Event>* ev, int64_t now_ms) {
  int64_t key = (*ev)->pid ? *(*ev)->pid : kNoPid;
  if (Slot* old = find(key)) complete(old);
  Slot* s = take_slot();
  std::swap(s->ev, *ev);
  s->key = key;
  s->last_ms = now_ms;
  s->state = State::kPending;
  pending_.push_back(s);
  if (now_ms + idle_ms_ < due_) due_ = now_ms + idle_ms_;
  newest_ = s;
  s->last_field = &s->ev->message;
  s->bytes = s->ev->message.size();
  if (s->bytes > max_bytes_) {
    s->ev->message.resize(utf8_cut(s->ev->message, max_bytes_));
    s->ev->truncated = true;
    s->bytes = s->ev->message.size();
  }
  drain();
}

void EntryAssembler::pass(const Event& ev) {
  if (!ordered_ || order_.empty()) {
    sink_(ev);
    return;
  }
  Slot* s = take_slot();
  *s->ev = ev;
  s->state = State::kDone;
  drain();
}

void EntryAssembler::append(Slot* s, std::string* field, std::string_view text, bool newline) {
  s->last_field = field;
  newest_ = s;
  if (s->ev->truncated) return;
  bool sep = newline && !field->empty();
  size_t need = text.size() + (sep ? 1 : 0);
  if (s->bytes + need > max_bytes_) {
    size_t room = max_bytes_ - s->bytes;
    if (sep && room > 0) {
      field->push_back('\n');
      --room;
    }
    field->append(text.data(), utf8_cut(text, room));
    s->bytes = max_bytes_;
    s->ev->truncated = true;
    return;
  }
  if (sep) field->push_back('\n');
  field->append(text.data(), text.size());
  s->bytes += need;
}

bool EntryAssembler::add_field(const std::optional<int64_t>& pid, Word word, std::string_view text,
                               int64_t now_ms) {
  Slot* s = find(pid ? *pid : kNoPid);
  if (!s) return false;
  Event& ev = *s->ev;
  std::string* field;
  switch (word) {
    case Word::kDetail: field = &ev.detail; break;
    case Word::kHint: field = &ev.hint; break;
    case Word::kStatement: field = &ev.statement; break;
    case Word::kQuery: field = &ev.query; break;
    case Word::kLocation: field = &ev.location; break;
    default: field = &ev.context; break;  // CONTEXT, and BACKTRACE beside it
  }
  s->last_ms = now_ms;
  append(s, field, text, true);
  return true;
}

bool EntryAssembler::add_continuation(const std::optional<int64_t>& pid, std::string_view text,
                                      bool newline, int64_t now_ms) {
  Slot* s = pid ? find(*pid) : newest_;
  if (!s || s->state != State::kPending || !s->last_field) return false;
  s->last_ms = now_ms;
  append(s, s->last_field, text, newline);
  return true;
}

void EntryAssembler::flush_idle(int64_t now_ms) {
  if (pending_.empty() || now_ms < due_) return;
  due_ = INT64_MAX;
  // Walk the slots oldest first so that live mode, too, completes them in
  // the order they began.
  std::vector<Slot*> due;
  for (Slot* s : order_) {
    if (s->state != State::kPending) continue;
    if (s->last_ms + idle_ms_ <= now_ms)
      due.push_back(s);
    else if (s->last_ms + idle_ms_ < due_)
      due_ = s->last_ms + idle_ms_;
  }
  for (Slot* s : due) complete(s);
  drain();
}

void EntryAssembler::flush_all() {
  flush_idle(INT64_MAX - idle_ms_);
}

int64_t EntryAssembler::next_deadline() const {
  return pending_.empty() ? -1 : due_;
}

}  // namespace pgtail
