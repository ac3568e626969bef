#include "severity.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace pgtail;

namespace {

struct Case {
  const char* line_;
  Word word_;
  Level level_;
  const char* text_;  // what follows the word, its colon and spaces
};

/// Runs parse_line_word over cases and checks kind, level and text.
void check_cases(const Case* cases, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const Case& c = cases[i];
    INFO("line: " << c.line_);
    Level level = Level::kNone;
    size_t consumed = 0;
    Word w = parse_line_word(c.line_, &level, &consumed);
    CHECK(w == c.word_);
    if (w == Word::kNone) continue;
    CHECK(level == c.level_);
    CHECK(std::string(c.line_).substr(consumed) == c.text_);
  }
}

constexpr Level kNo = Level::kNone;

}  // namespace

TEST_CASE("level_name", "[severity]") {
  CHECK(level_name(Level::kDebug5) == "DEBUG5");
  CHECK(level_name(Level::kDebug4) == "DEBUG4");
  CHECK(level_name(Level::kDebug3) == "DEBUG3");
  CHECK(level_name(Level::kDebug2) == "DEBUG2");
  CHECK(level_name(Level::kDebug1) == "DEBUG1");
  CHECK(level_name(Level::kInfo) == "INFO");
  CHECK(level_name(Level::kLog) == "LOG");
  CHECK(level_name(Level::kNotice) == "NOTICE");
  CHECK(level_name(Level::kWarning) == "WARNING");
  CHECK(level_name(Level::kError) == "ERROR");
  CHECK(level_name(Level::kFatal) == "FATAL");
  CHECK(level_name(Level::kPanic) == "PANIC");
  CHECK(level_name(Level::kNone).empty());
}

TEST_CASE("levels are ordered as DESIGN.md says", "[severity]") {
  CHECK(Level::kDebug5 < Level::kDebug1);
  CHECK(Level::kDebug1 < Level::kInfo);
  CHECK(Level::kInfo < Level::kLog);
  CHECK(Level::kLog < Level::kNotice);
  CHECK(Level::kNotice < Level::kWarning);
  CHECK(Level::kWarning < Level::kError);
  CHECK(Level::kError < Level::kFatal);
  CHECK(Level::kFatal < Level::kPanic);
}

TEST_CASE("parse_level_name", "[severity]") {
  CHECK(parse_level_name("DEBUG5") == Level::kDebug5);
  CHECK(parse_level_name("DEBUG4") == Level::kDebug4);
  CHECK(parse_level_name("DEBUG3") == Level::kDebug3);
  CHECK(parse_level_name("DEBUG2") == Level::kDebug2);
  CHECK(parse_level_name("DEBUG1") == Level::kDebug1);
  CHECK(parse_level_name("DEBUG") == Level::kDebug1);
  CHECK(parse_level_name("INFO") == Level::kInfo);
  CHECK(parse_level_name("LOG") == Level::kLog);
  CHECK(parse_level_name("NOTICE") == Level::kNotice);
  CHECK(parse_level_name("WARNING") == Level::kWarning);
  CHECK(parse_level_name("ERROR") == Level::kError);
  CHECK(parse_level_name("FATAL") == Level::kFatal);
  CHECK(parse_level_name("PANIC") == Level::kPanic);
  CHECK(parse_level_name("fatal") == Level::kFatal);  // as typed in a config
  CHECK(parse_level_name("Warning") == Level::kWarning);
  CHECK(parse_level_name("debug3") == Level::kDebug3);
  for (const char* bad : {"", "WARN", "DEBUG0", "DEBUG6", "ERRORS", "ERROR ", " ERROR", "FEHLER", "errors"})
    CHECK(parse_level_name(bad) == Level::kNone);
  for (Level l : {Level::kDebug5, Level::kDebug1, Level::kInfo, Level::kLog, Level::kPanic})
    CHECK(parse_level_name(level_name(l)) == l);
}

TEST_CASE("parse_line_word: English", "[severity]") {
  const Case cases[] = {
      {"ERROR:  relation \"x\" does not exist", Word::kLevel, Level::kError, "relation \"x\" does not exist"},
      {"LOG:  checkpoint starting: time", Word::kLevel, Level::kLog, "checkpoint starting: time"},
      {"FATAL:  sorry, too many clients already", Word::kLevel, Level::kFatal, "sorry, too many clients already"},
      {"PANIC:  could not write to file", Word::kLevel, Level::kPanic, "could not write to file"},
      {"WARNING:  there is no transaction in progress", Word::kLevel, Level::kWarning,
       "there is no transaction in progress"},
      {"NOTICE:  table \"t\" does not exist, skipping", Word::kLevel, Level::kNotice,
       "table \"t\" does not exist, skipping"},
      {"INFO:  vacuuming \"public.t\"", Word::kLevel, Level::kInfo, "vacuuming \"public.t\""},
      {"DEBUG:  StartTransaction(1) name: unnamed", Word::kLevel, Level::kDebug1, "StartTransaction(1) name: unnamed"},
      {"DETAIL:  Key (id)=(1) already exists.", Word::kDetail, kNo, "Key (id)=(1) already exists."},
      {"HINT:  No function matches.", Word::kHint, kNo, "No function matches."},
      {"CONTEXT:  PL/pgSQL function f() line 3", Word::kContext, kNo, "PL/pgSQL function f() line 3"},
      {"STATEMENT:  SELECT 1/0;", Word::kStatement, kNo, "SELECT 1/0;"},
      {"QUERY:  SELECT x FROM t", Word::kQuery, kNo, "SELECT x FROM t"},
      {"LOCATION:  InitProcessGlobals, postinit.c:123", Word::kLocation, kNo, "InitProcessGlobals, postinit.c:123"},
      {"BACKTRACE:  postgres: main [0x55d]", Word::kBacktrace, kNo, "postgres: main [0x55d]"},
      // A statement's own indentation is kept: only the server's two spaces go.
      {"STATEMENT:     SELECT 1", Word::kStatement, kNo, "   SELECT 1"},
      {"ERROR:", Word::kLevel, Level::kError, ""},
      {"ERROR: one space", Word::kLevel, Level::kError, "one space"},
      {"ERROR:x", Word::kLevel, Level::kError, "x"},
      {"ERROR :  spaced", Word::kLevel, Level::kError, "spaced"},
      {"LOG:  LOG:  nested", Word::kLevel, Level::kLog, "LOG:  nested"},
      // Not a leading word.
      {"", Word::kNone, kNo, ""},
      {"E", Word::kNone, kNo, ""},
      {"ERROR", Word::kNone, kNo, ""},
      {"ERRORS:  x", Word::kNone, kNo, ""},
      {"ERROR x", Word::kNone, kNo, ""},
      {"error:  x", Word::kNone, kNo, ""},
      {"LOGGING:  x", Word::kNone, kNo, ""},
      {" ERROR:  x", Word::kNone, kNo, ""},
      {"DETAILS:  x", Word::kNone, kNo, ""},
      {"connection received: host=[local]", Word::kNone, kNo, ""},
      {"\tat character 5", Word::kNone, kNo, ""},
  };
  check_cases(cases, sizeof cases / sizeof cases[0]);
  Level level;
  size_t consumed;
  CHECK(parse_line_word("ERROR:  x", &level, nullptr) == Word::kLevel);  // out-params may be null
  CHECK(parse_line_word("DETAIL:  x", nullptr, &consumed) == Word::kDetail);
  CHECK(consumed == 9);
}

TEST_CASE("parse_line_word: translations, as the catalogs write them", "[severity]") {
  const Case cases[] = {
      // German
      {"FEHLER:  Relation »x« existiert nicht", Word::kLevel, Level::kError, "Relation »x« existiert nicht"},
      {"WARNUNG:  x", Word::kLevel, Level::kWarning, "x"},
      {"HINWEIS:  x", Word::kLevel, Level::kNotice, "x"},
      {"PANIK:  x", Word::kLevel, Level::kPanic, "x"},
      {"FATAL:  x", Word::kLevel, Level::kFatal, "x"},
      {"DETAIL:  x", Word::kDetail, kNo, "x"},
      {"TIPP:  x", Word::kHint, kNo, "x"},
      {"ANFRAGE:  x", Word::kQuery, kNo, "x"},
      {"ZUSAMMENHANG:  x", Word::kContext, kNo, "x"},
      {"ANWEISUNG:  x", Word::kStatement, kNo, "x"},
      {"ORT:  x", Word::kLocation, kNo, "x"},
      // French: some with a space before the colon
      {"ERREUR:  la relation « x » n'existe pas", Word::kLevel, Level::kError, "la relation « x » n'existe pas"},
      {"ATTENTION:  x", Word::kLevel, Level::kWarning, "x"},
      {"DÉTAIL:  x", Word::kDetail, kNo, "x"},
      {"DÉTAIL : x", Word::kDetail, kNo, "x"},
      {"ASTUCE :  x", Word::kHint, kNo, "x"},
      {"REQUÊTE :  x", Word::kQuery, kNo, "x"},
      {"CONTEXTE :  x", Word::kContext, kNo, "x"},
      {"INSTRUCTION :  x", Word::kStatement, kNo, "x"},
      {"EMPLACEMENT :  x", Word::kLocation, kNo, "x"},
      {"PILE D'APPEL : x", Word::kBacktrace, kNo, "x"},
      // Spanish (severities and HINT stay English)
      {"DETALLE:  x", Word::kDetail, kNo, "x"},
      {"CONSULTA:  x", Word::kQuery, kNo, "x"},
      {"CONTEXTO:  x", Word::kContext, kNo, "x"},
      {"SENTENCIA:  x", Word::kStatement, kNo, "x"},
      {"UBICACIÓN:  x", Word::kLocation, kNo, "x"},
      // Italian
      {"ERRORE:  x", Word::kLevel, Level::kError, "x"},
      {"ATTENZIONE:  x", Word::kLevel, Level::kWarning, "x"},
      {"NOTIFICA:  x", Word::kLevel, Level::kNotice, "x"},
      {"FATALE:  x", Word::kLevel, Level::kFatal, "x"},
      {"PANICO:  x", Word::kLevel, Level::kPanic, "x"},
      {"DETTAGLI:  x", Word::kDetail, kNo, "x"},
      {"SUGGERIMENTO:  x", Word::kHint, kNo, "x"},
      {"CONTESTO:  x", Word::kContext, kNo, "x"},
      {"ISTRUZIONE:  x", Word::kStatement, kNo, "x"},
      {"POSIZIONE:  x", Word::kLocation, kNo, "x"},
      // Brazilian Portuguese
      {"ERRO:  x", Word::kLevel, Level::kError, "x"},
      {"AVISO:  x", Word::kLevel, Level::kWarning, "x"},
      {"NOTA:  x", Word::kLevel, Level::kNotice, "x"},
      {"DEPURAÇÃO:  x", Word::kLevel, Level::kDebug1, "x"},
      {"PÂNICO:  x", Word::kLevel, Level::kPanic, "x"},
      {"DETALHE:  x", Word::kDetail, kNo, "x"},
      {"DICA:  x", Word::kHint, kNo, "x"},
      {"COMANDO:  x", Word::kStatement, kNo, "x"},
      {"LOCAL:  x", Word::kLocation, kNo, "x"},
      // Russian (LOCATION with one space)
      {"ОШИБКА:  отношение \"x\" не существует", Word::kLevel, Level::kError, "отношение \"x\" не существует"},
      {"СООБЩЕНИЕ:  x", Word::kLevel, Level::kLog, "x"},
      {"ПРЕДУПРЕЖДЕНИЕ:  x", Word::kLevel, Level::kWarning, "x"},
      {"ЗАМЕЧАНИЕ:  x", Word::kLevel, Level::kNotice, "x"},
      {"ВАЖНО:  x", Word::kLevel, Level::kFatal, "x"},
      {"ИНФОРМАЦИЯ:  x", Word::kLevel, Level::kInfo, "x"},
      {"ОТЛАДКА:  x", Word::kLevel, Level::kDebug1, "x"},
      {"ПАНИКА:  x", Word::kLevel, Level::kPanic, "x"},
      {"ПОДРОБНОСТИ:  x", Word::kDetail, kNo, "x"},
      {"ПОДСКАЗКА:  x", Word::kHint, kNo, "x"},
      {"ЗАПРОС:  x", Word::kQuery, kNo, "x"},
      {"КОНТЕКСТ:  x", Word::kContext, kNo, "x"},
      {"ОПЕРАТОР:  x", Word::kStatement, kNo, "x"},
      {"ПОЛОЖЕНИЕ: f, file.c:1", Word::kLocation, kNo, "f, file.c:1"},
      {"СТЕК:  x", Word::kBacktrace, kNo, "x"},
      // Ukrainian
      {"ПОМИЛКА:  x", Word::kLevel, Level::kError, "x"},
      {"ЗАПИСУВАННЯ:  x", Word::kLevel, Level::kLog, "x"},
      {"ПОПЕРЕДЖЕННЯ:  x", Word::kLevel, Level::kWarning, "x"},
      {"ПОВІДОМЛЕННЯ:  x", Word::kLevel, Level::kNotice, "x"},
      {"ФАТАЛЬНО:  x", Word::kLevel, Level::kFatal, "x"},
      {"ІНФОРМАЦІЯ:  x", Word::kLevel, Level::kInfo, "x"},
      {"НАЛАГОДЖЕННЯ:  x", Word::kLevel, Level::kDebug1, "x"},
      {"ПАНІКА:  x", Word::kLevel, Level::kPanic, "x"},
      {"ВІДОМОСТІ:  x", Word::kDetail, kNo, "x"},
      {"УКАЗІВКА:  x", Word::kHint, kNo, "x"},
      {"ЗАПИТ:  x", Word::kQuery, kNo, "x"},
      {"ІНСТРУКЦІЯ:  x", Word::kStatement, kNo, "x"},
      {"РОЗТАШУВАННЯ:  x", Word::kLocation, kNo, "x"},
      {"ВІДСТЕЖУВАТИ:  x", Word::kBacktrace, kNo, "x"},
      // Japanese (severities stay English)
      {"ERROR:  リレーション\"x\"は存在しません", Word::kLevel, Level::kError, "リレーション\"x\"は存在しません"},
      {"詳細:  x", Word::kDetail, kNo, "x"},
      {"ヒント:  x", Word::kHint, kNo, "x"},
      {"問い合わせ:  x", Word::kQuery, kNo, "x"},
      {"文脈:  x", Word::kContext, kNo, "x"},
      {"文:  x", Word::kStatement, kNo, "x"},
      {"場所:  x", Word::kLocation, kNo, "x"},
      {"バックトレース:  x", Word::kBacktrace, kNo, "x"},
      {"詳細：  full-width colon", Word::kDetail, kNo, "full-width colon"},
      // Simplified Chinese
      {"错误:  关系 \"x\" 不存在", Word::kLevel, Level::kError, "关系 \"x\" 不存在"},
      {"日志:  x", Word::kLevel, Level::kLog, "x"},
      {"警告:  x", Word::kLevel, Level::kWarning, "x"},
      {"注意:  x", Word::kLevel, Level::kNotice, "x"},
      {"致命错误:  x", Word::kLevel, Level::kFatal, "x"},
      {"信息:  x", Word::kLevel, Level::kInfo, "x"},
      {"调试:  x", Word::kLevel, Level::kDebug1, "x"},
      {"比致命错误还过分的错误:  x", Word::kLevel, Level::kPanic, "x"},
      {"详细信息:  x", Word::kDetail, kNo, "x"},
      {"提示:  x", Word::kHint, kNo, "x"},
      {"查询:  x", Word::kQuery, kNo, "x"},
      {"上下文:  x", Word::kContext, kNo, "x"},
      {"语句:  x", Word::kStatement, kNo, "x"},
      {"位置:  x", Word::kLocation, kNo, "x"},
      // Korean (QUERY with no space, LOCATION with one)
      {"오류:  x", Word::kLevel, Level::kError, "x"},
      {"로그:  x", Word::kLevel, Level::kLog, "x"},
      {"경고:  x", Word::kLevel, Level::kWarning, "x"},
      {"알림:  x", Word::kLevel, Level::kNotice, "x"},
      {"치명적오류:  x", Word::kLevel, Level::kFatal, "x"},
      {"정보:  x", Word::kLevel, Level::kInfo, "x"},
      {"디버그:  x", Word::kLevel, Level::kDebug1, "x"},
      {"손상:  x", Word::kLevel, Level::kPanic, "x"},
      {"상세정보:  x", Word::kDetail, kNo, "x"},
      {"힌트:  x", Word::kHint, kNo, "x"},
      {"쿼리:SELECT 1", Word::kQuery, kNo, "SELECT 1"},
      {"내용:  x", Word::kContext, kNo, "x"},
      {"명령 구문:  x", Word::kStatement, kNo, "x"},
      {"위치: f, file.c:1", Word::kLocation, kNo, "f, file.c:1"},
      {"역추적:  x", Word::kBacktrace, kNo, "x"},
      // Polish
      {"BŁĄD:  x", Word::kLevel, Level::kError, "x"},
      {"DZIENNIK:  x", Word::kLevel, Level::kLog, "x"},
      {"OSTRZEŻENIE:  x", Word::kLevel, Level::kWarning, "x"},
      {"UWAGA:  x", Word::kLevel, Level::kNotice, "x"},
      {"KATASTROFALNY:  x", Word::kLevel, Level::kFatal, "x"},
      {"INFORMACJA:  x", Word::kLevel, Level::kInfo, "x"},
      {"PANIKA:  x", Word::kLevel, Level::kPanic, "x"},
      {"SZCZEGÓŁY:  x", Word::kDetail, kNo, "x"},
      {"PODPOWIEDŹ:  x", Word::kHint, kNo, "x"},
      {"ZAPYTANIE:  x", Word::kQuery, kNo, "x"},
      {"KONTEKST:  x", Word::kContext, kNo, "x"},
      {"WYRAŻENIE:  x", Word::kStatement, kNo, "x"},
      {"POZYCJA:  x", Word::kLocation, kNo, "x"},
      // Swedish
      {"FEL:  x", Word::kLevel, Level::kError, "x"},
      {"LOGG:  x", Word::kLevel, Level::kLog, "x"},
      {"VARNING:  x", Word::kLevel, Level::kWarning, "x"},
      {"NOTIS:  x", Word::kLevel, Level::kNotice, "x"},
      {"FATALT:  x", Word::kLevel, Level::kFatal, "x"},
      {"PANIK:  x", Word::kLevel, Level::kPanic, "x"},
      {"DETALJ:  x", Word::kDetail, kNo, "x"},
      {"TIPS:  x", Word::kHint, kNo, "x"},
      {"FRÅGA:  x", Word::kQuery, kNo, "x"},
      {"KONTEXT:  x", Word::kContext, kNo, "x"},
      {"SATS:  x", Word::kStatement, kNo, "x"},
      {"PLATS:  x", Word::kLocation, kNo, "x"},
      // Turkish (secondary words with no space after the colon)
      {"HATA:  x", Word::kLevel, Level::kError, "x"},
      {"UYARI:  x", Word::kLevel, Level::kWarning, "x"},
      {"NOT:  x", Word::kLevel, Level::kNotice, "x"},
      {"ÖLÜMCÜL:  x", Word::kLevel, Level::kFatal, "x"},
      {"BILGI:  x", Word::kLevel, Level::kInfo, "x"},
      {"KRİTİK:  x", Word::kLevel, Level::kPanic, "x"},
      {"AYRINTI:x", Word::kDetail, kNo, "x"},
      {"İPUCU:x", Word::kHint, kNo, "x"},
      {"SORGU:x", Word::kQuery, kNo, "x"},
      {"ORTAM:x", Word::kContext, kNo, "x"},
      {"KOMUT:x", Word::kStatement, kNo, "x"},
      {"YER: f, file.c:1", Word::kLocation, kNo, "f, file.c:1"},
      // Georgian: NOTICE and WARNING share a word, read as WARNING; LOCATION
      // has three spaces.
      {"შეცდომა:  x", Word::kLevel, Level::kError, "x"},
      {"გაფრთხილება:  x", Word::kLevel, Level::kWarning, "x"},
      {"მდებარეობა:   f, file.c:1", Word::kLocation, kNo, "f, file.c:1"},
      // Near misses
      {"FEHLERN:  x", Word::kNone, kNo, ""},
      {"文章:  x", Word::kNone, kNo, ""},
      {"ОШИБКА x", Word::kNone, kNo, ""},
  };
  check_cases(cases, sizeof cases / sizeof cases[0]);
}

TEST_CASE("parse_severity_word: csvlog and jsonlog columns", "[severity]") {
  CHECK(parse_severity_word("ERROR") == Level::kError);
  CHECK(parse_severity_word("LOG") == Level::kLog);
  CHECK(parse_severity_word("DEBUG") == Level::kDebug1);
  CHECK(parse_severity_word("DEBUG2") == Level::kDebug2);
  CHECK(parse_severity_word("PANIC") == Level::kPanic);
  CHECK(parse_severity_word("FEHLER") == Level::kError);
  CHECK(parse_severity_word("ERREUR") == Level::kError);
  CHECK(parse_severity_word("ATTENTION") == Level::kWarning);
  CHECK(parse_severity_word("ОШИБКА") == Level::kError);
  CHECK(parse_severity_word("СООБЩЕНИЕ") == Level::kLog);
  CHECK(parse_severity_word("ВАЖНО") == Level::kFatal);
  CHECK(parse_severity_word("致命错误") == Level::kFatal);
  CHECK(parse_severity_word("DEPURAÇÃO") == Level::kDebug1);
  CHECK(parse_severity_word("KRİTİK") == Level::kPanic);
  CHECK(parse_severity_word("NOT") == Level::kNotice);
  CHECK(parse_severity_word("error") == Level::kError);
  for (const char* bad : {"", "DETAIL", "DETALLE", "ERROR:", "ERROR ", "ERRORS", "詳細", "x"})
    CHECK(parse_severity_word(bad) == Level::kNone);
}
