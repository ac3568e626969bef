// Reads through json_reader.hpp: RapidJSON in a namespace of its own.
#include "json_reader.hpp"

#include "wrappers_json.hpp"

namespace rapidjson = pgtail_rapidjson_sse2;

namespace pgtail {

namespace {

/// The top-level keys the wrappers carry, and "record" / "resource" /
/// "labels" on the way to the nested ones.
enum class WKey : unsigned char {
  kNone, kLogger, kMsg, kTs, kPod, kRecord,         // cnpg
  kTextPayload, kTimestamp, kResource, kLabels,     // cloudsql
  kMessage, kPid, kRealtime, kIdent, kComm,         // journald
  kLog, kTime,                                      // docker
};

struct KeyName {
  std::string_view name;
  WKey key;
};

WKey top_key(Format f, std::string_view k) {
  static constexpr KeyName kCnpg[] = {{"logger", WKey::kLogger}, {"msg", WKey::kMsg}, {"ts", WKey::kTs},
                                      {"logging_pod", WKey::kPod}, {"record", WKey::kRecord}};
  static constexpr KeyName kCloud[] = {{"textPayload", WKey::kTextPayload}, {"timestamp", WKey::kTimestamp},
                                       {"resource", WKey::kResource}};
  static constexpr KeyName kJournal[] = {{"MESSAGE", WKey::kMessage}, {"_PID", WKey::kPid},
                                         {"__REALTIME_TIMESTAMP", WKey::kRealtime},
                                         {"SYSLOG_IDENTIFIER", WKey::kIdent}, {"_COMM", WKey::kComm}};
  static constexpr KeyName kDocker[] = {{"log", WKey::kLog}, {"time", WKey::kTime}};
  auto find = [k](const auto& table) {
    for (const KeyName& n : table)
      if (k == n.name) return n.key;
    return WKey::kNone;
  };
  switch (f) {
    case Format::kCnpg: return find(kCnpg);
    case Format::kCloudsql: return find(kCloud);
    case Format::kJournald: return find(kJournal);
    case Format::kDocker: return find(kDocker);
    default: return WKey::kNone;
  }
}

/// RapidJSON SAX handler: the wrapper's keys at the top level, CloudNativePG's
/// record and Cloud Logging's resource.labels one and two levels down.
struct Handler {
  Format format_;
  WrapperJson& out_;
  int depth_ = 0;
  bool object_ = false, in_record_ = false, in_resource_ = false, in_labels_ = false;
  bool message_bytes_ = false;  ///< inside journald's MESSAGE array
  bool db_id_key_ = false;      ///< the key just read is resource.labels.database_id
  WKey key_ = WKey::kNone;
  std::string_view column_;     ///< the record member being read

  Handler(Format f, WrapperJson& out) : format_(f), out_(out) {}

  WKey take() {
    WKey k = key_;
    key_ = WKey::kNone;
    return k;
  }
  bool text(std::string_view v) {
    if (in_record_ && depth_ == 2) {
      out_.record.push_back(WrapperJson::Column{column_, v, std::nullopt});
      return true;
    }
    WKey k = take();
    if (in_labels_ && depth_ == 3) {
      if (db_id_key_) out_.db_id = v;
      return true;
    }
    if (depth_ != 1) return true;
    switch (k) {
      case WKey::kLogger: out_.logger = v; break;
      case WKey::kMsg: out_.msg = v; out_.text_seen = true; break;
      case WKey::kPod: out_.pod = v; break;
      case WKey::kTextPayload: case WKey::kMessage: case WKey::kLog: out_.text = v; out_.text_seen = true; break;
      case WKey::kTimestamp: case WKey::kTime: out_.time = v; break;
      case WKey::kPid: out_.pid = v; break;
      case WKey::kRealtime: out_.realtime = v; break;
      case WKey::kIdent: out_.ident = v; break;
      case WKey::kComm: out_.comm = v; break;
      default: break;
    }
    return true;
  }
  bool number(int64_t n, double d) {
    if (message_bytes_) {
      out_.bytes.push_back(static_cast<char>(n & 0xff));
      return true;
    }
    if (in_record_ && depth_ == 2) {
      out_.record.push_back(WrapperJson::Column{column_, {}, n});
      return true;
    }
    WKey k = take();
    if (depth_ != 1) return true;
    if (k == WKey::kTs)
      out_.ts = d;
    else if (k == WKey::kPid)
      out_.pid_number = n;  // journald writes it as a string; a number will do
    return true;
  }

  bool Null() { take(); return true; }
  bool Bool(bool) { return Null(); }
  bool Int(int i) { return number(i, i); }
  bool Uint(unsigned u) { return number(u, u); }
  bool Int64(int64_t i) { return number(i, static_cast<double>(i)); }
  bool Uint64(uint64_t u) { return number(static_cast<int64_t>(u & INT64_MAX), static_cast<double>(u)); }
  bool Double(double d) {
    if (!(d >= -9.2e18 && d <= 9.2e18)) return Null();  // the conversion would be undefined
    return number(static_cast<int64_t>(d), d);
  }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return Null(); }
  bool String(const char* s, rapidjson::SizeType n, bool) { return text(std::string_view(s, n)); }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    std::string_view k(s, n);
    if (in_record_ && depth_ == 2) {
      column_ = k;
    } else if (in_labels_ && depth_ == 3) {
      db_id_key_ = k == "database_id";
    } else if (in_resource_ && depth_ == 2) {
      key_ = k == "labels" ? WKey::kLabels : WKey::kNone;
    } else if (depth_ == 1) {
      key_ = top_key(format_, k);
    }
    return true;
  }
  bool StartObject() {
    if (depth_ == 0) object_ = true;
    WKey k = take();
    ++depth_;
    if (depth_ == 2 && k == WKey::kRecord) in_record_ = out_.record_seen = true;
    if (depth_ == 2 && k == WKey::kResource) in_resource_ = true;
    if (depth_ == 3 && in_resource_ && k == WKey::kLabels) in_labels_ = true;
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    if (depth_ == 2) in_record_ = in_resource_ = false;
    if (depth_ == 3) in_labels_ = false;
    --depth_;
    return true;
  }
  bool StartArray() {
    WKey k = take();
    ++depth_;
    if (depth_ == 2 && k == WKey::kMessage) {
      message_bytes_ = true;
      out_.bytes.clear();
    }
    return true;
  }
  bool EndArray(rapidjson::SizeType) {
    if (message_bytes_) {
      message_bytes_ = false;
      out_.text = out_.bytes;
      out_.text_seen = true;
    }
    --depth_;
    return true;
  }
};

void clear(WrapperJson* j) {
  j->logger = j->msg = j->pod = j->text = j->time = j->db_id = {};
  j->pid = j->realtime = j->ident = j->comm = {};
  j->ts.reset();
  j->pid_number.reset();
  j->record_seen = j->text_seen = false;
  j->record.clear();
}

}  // namespace

bool read_wrapper_json(Format format, std::string_view line, WrapperJson* out, std::string* err) {
  clear(out);
  out->buf.assign(line.data(), line.size());
  out->buf.append(16, '\0');  // PaddedLineStream's padding
  Handler h(format, *out);
  rapidjson::Reader reader;  // its stack is allocated on first use: never, in place
  PaddedLineStream in(&out->buf[0]);
  rapidjson::ParseResult ok = reader.Parse<rapidjson::kParseInsituFlag>(in, h);
  if (!ok) {
    *err = "invalid JSON at byte " + std::to_string(ok.Offset()) + ": " + rapidjson::GetParseError_En(ok.Code());
    return false;
  }
  if (!h.object_) {
    *err = "not a JSON object";
    return false;
  }
  return true;
}

}  // namespace pgtail
