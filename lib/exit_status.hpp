#pragma once
/// The suite's one exit-status table (sysexits.h values); every man page repeats it.
namespace pgtail {
constexpr int kExitOk = 0;
constexpr int kExitNoMatch = 1;      ///< pg-match -e only: nothing matched
constexpr int kExitUsage = 64;       ///< bad flag or operand
constexpr int kExitDataErr = 65;     ///< not one valid input line
constexpr int kExitNoInput = 66;     ///< an input file is missing or unreadable
constexpr int kExitUnavailable = 69; ///< endpoint rejected a delivery
constexpr int kExitSoftware = 70;    ///< internal error
constexpr int kExitCantCreat = 73;   ///< cannot create output or spool
constexpr int kExitIoErr = 74;       ///< I/O error, including a failed write to stdout
constexpr int kExitTempFail = 75;    ///< deliveries left in the spool
constexpr int kExitConfig = 78;      ///< bad config
}  // namespace pgtail
