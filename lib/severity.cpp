#include "severity.hpp"

#include <array>
#include <cstdint>

namespace pgtail {

namespace {

/// A word the server writes at the start of a line's text: a severity
/// ("%s:  " after _(error_severity())) or a secondary field (_("DETAIL:  ")).
struct LineWord {
  std::string_view text_;
  Word word_;
  Level level_;
};

constexpr Level kNo = Level::kNone;

// The strings are those of PostgreSQL's message catalogs (src/backend/po):
// de, es, fr, it, ja, ka, ko, ru, sv, uk, zh_CN from the PostgreSQL 15
// catalogs shipped by Debian 12 (/usr/share/locale/*/LC_MESSAGES/postgres-15.mo);
// pt_BR, pl and tr from the last po files of those languages in the
// postgres/postgres repository (PostgreSQL 9.x era; the languages were later
// dropped from the server catalogs). Words the catalogs leave in English
// (es "HINT", ja "ERROR", ...) need no entry. English comes first in the
// table, so it is tried first.
constexpr LineWord kWords[] = {
    // English
    {"ERROR", Word::kLevel, Level::kError},
    {"LOG", Word::kLevel, Level::kLog},
    {"STATEMENT", Word::kStatement, kNo},
    {"DETAIL", Word::kDetail, kNo},
    {"HINT", Word::kHint, kNo},
    {"CONTEXT", Word::kContext, kNo},
    {"FATAL", Word::kLevel, Level::kFatal},
    {"WARNING", Word::kLevel, Level::kWarning},
    {"NOTICE", Word::kLevel, Level::kNotice},
    {"INFO", Word::kLevel, Level::kInfo},
    {"DEBUG", Word::kLevel, Level::kDebug1},  // the server writes DEBUG for DEBUG1..5
    {"PANIC", Word::kLevel, Level::kPanic},
    {"QUERY", Word::kQuery, kNo},
    {"LOCATION", Word::kLocation, kNo},
    {"BACKTRACE", Word::kBacktrace, kNo},
    // German
    {"FEHLER", Word::kLevel, Level::kError},
    {"WARNUNG", Word::kLevel, Level::kWarning},
    {"HINWEIS", Word::kLevel, Level::kNotice},
    {"PANIK", Word::kLevel, Level::kPanic},  // also Swedish
    {"TIPP", Word::kHint, kNo},
    {"ANFRAGE", Word::kQuery, kNo},
    {"ZUSAMMENHANG", Word::kContext, kNo},
    {"ANWEISUNG", Word::kStatement, kNo},
    {"ORT", Word::kLocation, kNo},
    // French
    {"ERREUR", Word::kLevel, Level::kError},
    {"ATTENTION", Word::kLevel, Level::kWarning},
    {"D\xC3\x89TAIL", Word::kDetail, kNo},  // DÉTAIL
    {"ASTUCE", Word::kHint, kNo},
    {"REQU\xC3\x8ATE", Word::kQuery, kNo},  // REQUÊTE
    {"CONTEXTE", Word::kContext, kNo},
    {"INSTRUCTION", Word::kStatement, kNo},
    {"EMPLACEMENT", Word::kLocation, kNo},
    {"PILE D'APPEL", Word::kBacktrace, kNo},
    // Spanish
    {"DETALLE", Word::kDetail, kNo},
    {"CONSULTA", Word::kQuery, kNo},  // also Portuguese
    {"CONTEXTO", Word::kContext, kNo},  // also Portuguese
    {"SENTENCIA", Word::kStatement, kNo},
    {"UBICACI\xC3\x93N", Word::kLocation, kNo},  // UBICACIÓN
    // Italian
    {"ERRORE", Word::kLevel, Level::kError},
    {"ATTENZIONE", Word::kLevel, Level::kWarning},
    {"NOTIFICA", Word::kLevel, Level::kNotice},
    {"FATALE", Word::kLevel, Level::kFatal},
    {"PANICO", Word::kLevel, Level::kPanic},
    {"DETTAGLI", Word::kDetail, kNo},
    {"SUGGERIMENTO", Word::kHint, kNo},
    {"CONTESTO", Word::kContext, kNo},
    {"ISTRUZIONE", Word::kStatement, kNo},
    {"POSIZIONE", Word::kLocation, kNo},
    // Brazilian Portuguese
    {"ERRO", Word::kLevel, Level::kError},
    {"AVISO", Word::kLevel, Level::kWarning},
    {"NOTA", Word::kLevel, Level::kNotice},
    {"DEPURA\xC3\x87\xC3\x83O", Word::kLevel, Level::kDebug1},  // DEPURAÇÃO
    {"P\xC3\x82NICO", Word::kLevel, Level::kPanic},  // PÂNICO
    {"DETALHE", Word::kDetail, kNo},
    {"DICA", Word::kHint, kNo},
    {"COMANDO", Word::kStatement, kNo},
    {"LOCAL", Word::kLocation, kNo},
    // Russian
    {"\xD0\x9E\xD0\xA8\xD0\x98\xD0\x91\xD0\x9A\xD0\x90", Word::kLevel, Level::kError},  // ОШИБКА
    {"\xD0\xA1\xD0\x9E\xD0\x9E\xD0\x91\xD0\xA9\xD0\x95\xD0\x9D\xD0\x98\xD0\x95", Word::kLevel,
     Level::kLog},  // СООБЩЕНИЕ
    {"\xD0\x9F\xD0\xA0\xD0\x95\xD0\x94\xD0\xA3\xD0\x9F\xD0\xA0\xD0\x95\xD0\x96\xD0\x94\xD0\x95\xD0\x9D\xD0\x98"
     "\xD0\x95",
     Word::kLevel, Level::kWarning},  // ПРЕДУПРЕЖДЕНИЕ
    {"\xD0\x97\xD0\x90\xD0\x9C\xD0\x95\xD0\xA7\xD0\x90\xD0\x9D\xD0\x98\xD0\x95", Word::kLevel,
     Level::kNotice},  // ЗАМЕЧАНИЕ
    {"\xD0\x92\xD0\x90\xD0\x96\xD0\x9D\xD0\x9E", Word::kLevel, Level::kFatal},  // ВАЖНО
    {"\xD0\x98\xD0\x9D\xD0\xA4\xD0\x9E\xD0\xA0\xD0\x9C\xD0\x90\xD0\xA6\xD0\x98\xD0\xAF", Word::kLevel,
     Level::kInfo},  // ИНФОРМАЦИЯ
    {"\xD0\x9E\xD0\xA2\xD0\x9B\xD0\x90\xD0\x94\xD0\x9A\xD0\x90", Word::kLevel, Level::kDebug1},  // ОТЛАДКА
    {"\xD0\x9F\xD0\x90\xD0\x9D\xD0\x98\xD0\x9A\xD0\x90", Word::kLevel, Level::kPanic},  // ПАНИКА
    {"\xD0\x9F\xD0\x9E\xD0\x94\xD0\xA0\xD0\x9E\xD0\x91\xD0\x9D\xD0\x9E\xD0\xA1\xD0\xA2\xD0\x98", Word::kDetail,
     kNo},  // ПОДРОБНОСТИ
    {"\xD0\x9F\xD0\x9E\xD0\x94\xD0\xA1\xD0\x9A\xD0\x90\xD0\x97\xD0\x9A\xD0\x90", Word::kHint, kNo},  // ПОДСКАЗКА
    {"\xD0\x97\xD0\x90\xD0\x9F\xD0\xA0\xD0\x9E\xD0\xA1", Word::kQuery, kNo},  // ЗАПРОС
    {"\xD0\x9A\xD0\x9E\xD0\x9D\xD0\xA2\xD0\x95\xD0\x9A\xD0\xA1\xD0\xA2", Word::kContext, kNo},  // КОНТЕКСТ (also uk)
    {"\xD0\x9E\xD0\x9F\xD0\x95\xD0\xA0\xD0\x90\xD0\xA2\xD0\x9E\xD0\xA0", Word::kStatement, kNo},  // ОПЕРАТОР
    {"\xD0\x9F\xD0\x9E\xD0\x9B\xD0\x9E\xD0\x96\xD0\x95\xD0\x9D\xD0\x98\xD0\x95", Word::kLocation,
     kNo},  // ПОЛОЖЕНИЕ
    {"\xD0\xA1\xD0\xA2\xD0\x95\xD0\x9A", Word::kBacktrace, kNo},  // СТЕК
    // Ukrainian
    {"\xD0\x9F\xD0\x9E\xD0\x9C\xD0\x98\xD0\x9B\xD0\x9A\xD0\x90", Word::kLevel, Level::kError},  // ПОМИЛКА
    {"\xD0\x97\xD0\x90\xD0\x9F\xD0\x98\xD0\xA1\xD0\xA3\xD0\x92\xD0\x90\xD0\x9D\xD0\x9D\xD0\xAF", Word::kLevel,
     Level::kLog},  // ЗАПИСУВАННЯ
    {"\xD0\x9F\xD0\x9E\xD0\x9F\xD0\x95\xD0\xA0\xD0\x95\xD0\x94\xD0\x96\xD0\x95\xD0\x9D\xD0\x9D\xD0\xAF", Word::kLevel,
     Level::kWarning},  // ПОПЕРЕДЖЕННЯ
    {"\xD0\x9F\xD0\x9E\xD0\x92\xD0\x86\xD0\x94\xD0\x9E\xD0\x9C\xD0\x9B\xD0\x95\xD0\x9D\xD0\x9D\xD0\xAF", Word::kLevel,
     Level::kNotice},  // ПОВІДОМЛЕННЯ
    {"\xD0\xA4\xD0\x90\xD0\xA2\xD0\x90\xD0\x9B\xD0\xAC\xD0\x9D\xD0\x9E", Word::kLevel, Level::kFatal},  // ФАТАЛЬНО
    {"\xD0\x86\xD0\x9D\xD0\xA4\xD0\x9E\xD0\xA0\xD0\x9C\xD0\x90\xD0\xA6\xD0\x86\xD0\xAF", Word::kLevel,
     Level::kInfo},  // ІНФОРМАЦІЯ
    {"\xD0\x9D\xD0\x90\xD0\x9B\xD0\x90\xD0\x93\xD0\x9E\xD0\x94\xD0\x96\xD0\x95\xD0\x9D\xD0\x9D\xD0\xAF", Word::kLevel,
     Level::kDebug1},  // НАЛАГОДЖЕННЯ
    {"\xD0\x9F\xD0\x90\xD0\x9D\xD0\x86\xD0\x9A\xD0\x90", Word::kLevel, Level::kPanic},  // ПАНІКА
    {"\xD0\x92\xD0\x86\xD0\x94\xD0\x9E\xD0\x9C\xD0\x9E\xD0\xA1\xD0\xA2\xD0\x86", Word::kDetail, kNo},  // ВІДОМОСТІ
    {"\xD0\xA3\xD0\x9A\xD0\x90\xD0\x97\xD0\x86\xD0\x92\xD0\x9A\xD0\x90", Word::kHint, kNo},  // УКАЗІВКА
    {"\xD0\x97\xD0\x90\xD0\x9F\xD0\x98\xD0\xA2", Word::kQuery, kNo},  // ЗАПИТ
    {"\xD0\x86\xD0\x9D\xD0\xA1\xD0\xA2\xD0\xA0\xD0\xA3\xD0\x9A\xD0\xA6\xD0\x86\xD0\xAF", Word::kStatement,
     kNo},  // ІНСТРУКЦІЯ
    {"\xD0\xA0\xD0\x9E\xD0\x97\xD0\xA2\xD0\x90\xD0\xA8\xD0\xA3\xD0\x92\xD0\x90\xD0\x9D\xD0\x9D\xD0\xAF",
     Word::kLocation, kNo},  // РОЗТАШУВАННЯ
    {"\xD0\x92\xD0\x86\xD0\x94\xD0\xA1\xD0\xA2\xD0\x95\xD0\x96\xD0\xA3\xD0\x92\xD0\x90\xD0\xA2\xD0\x98",
     Word::kBacktrace, kNo},  // ВІДСТЕЖУВАТИ
    // Japanese (severities stay English)
    {"\xE8\xA9\xB3\xE7\xB4\xB0", Word::kDetail, kNo},  // 詳細
    {"\xE3\x83\x92\xE3\x83\xB3\xE3\x83\x88", Word::kHint, kNo},  // ヒント
    {"\xE5\x95\x8F\xE3\x81\x84\xE5\x90\x88\xE3\x82\x8F\xE3\x81\x9B", Word::kQuery, kNo},  // 問い合わせ
    {"\xE6\x96\x87\xE8\x84\x88", Word::kContext, kNo},  // 文脈
    {"\xE6\x96\x87", Word::kStatement, kNo},  // 文
    {"\xE5\xA0\xB4\xE6\x89\x80", Word::kLocation, kNo},  // 場所
    {"\xE3\x83\x90\xE3\x83\x83\xE3\x82\xAF\xE3\x83\x88\xE3\x83\xAC\xE3\x83\xBC\xE3\x82\xB9", Word::kBacktrace,
     kNo},  // バックトレース
    // Simplified Chinese
    {"\xE9\x94\x99\xE8\xAF\xAF", Word::kLevel, Level::kError},  // 错误
    {"\xE6\x97\xA5\xE5\xBF\x97", Word::kLevel, Level::kLog},  // 日志
    {"\xE8\xAD\xA6\xE5\x91\x8A", Word::kLevel, Level::kWarning},  // 警告
    {"\xE6\xB3\xA8\xE6\x84\x8F", Word::kLevel, Level::kNotice},  // 注意
    {"\xE8\x87\xB4\xE5\x91\xBD\xE9\x94\x99\xE8\xAF\xAF", Word::kLevel, Level::kFatal},  // 致命错误
    {"\xE4\xBF\xA1\xE6\x81\xAF", Word::kLevel, Level::kInfo},  // 信息
    {"\xE8\xB0\x83\xE8\xAF\x95", Word::kLevel, Level::kDebug1},  // 调试
    {"\xE6\xAF\x94\xE8\x87\xB4\xE5\x91\xBD\xE9\x94\x99\xE8\xAF\xAF\xE8\xBF\x98\xE8\xBF\x87\xE5\x88\x86\xE7\x9A\x84"
     "\xE9\x94\x99\xE8\xAF\xAF",
     Word::kLevel, Level::kPanic},  // 比致命错误还过分的错误
    {"\xE8\xAF\xA6\xE7\xBB\x86\xE4\xBF\xA1\xE6\x81\xAF", Word::kDetail, kNo},  // 详细信息
    {"\xE6\x8F\x90\xE7\xA4\xBA", Word::kHint, kNo},  // 提示
    {"\xE6\x9F\xA5\xE8\xAF\xA2", Word::kQuery, kNo},  // 查询
    {"\xE4\xB8\x8A\xE4\xB8\x8B\xE6\x96\x87", Word::kContext, kNo},  // 上下文
    {"\xE8\xAF\xAD\xE5\x8F\xA5", Word::kStatement, kNo},  // 语句
    {"\xE4\xBD\x8D\xE7\xBD\xAE", Word::kLocation, kNo},  // 位置
    // Korean
    {"\xEC\x98\xA4\xEB\xA5\x98", Word::kLevel, Level::kError},  // 오류
    {"\xEB\xA1\x9C\xEA\xB7\xB8", Word::kLevel, Level::kLog},  // 로그
    {"\xEA\xB2\xBD\xEA\xB3\xA0", Word::kLevel, Level::kWarning},  // 경고
    {"\xEC\x95\x8C\xEB\xA6\xBC", Word::kLevel, Level::kNotice},  // 알림
    {"\xEC\xB9\x98\xEB\xAA\x85\xEC\xA0\x81\xEC\x98\xA4\xEB\xA5\x98", Word::kLevel, Level::kFatal},  // 치명적오류
    {"\xEC\xA0\x95\xEB\xB3\xB4", Word::kLevel, Level::kInfo},  // 정보
    {"\xEB\x94\x94\xEB\xB2\x84\xEA\xB7\xB8", Word::kLevel, Level::kDebug1},  // 디버그
    {"\xEC\x86\x90\xEC\x83\x81", Word::kLevel, Level::kPanic},  // 손상
    {"\xEC\x83\x81\xEC\x84\xB8\xEC\xA0\x95\xEB\xB3\xB4", Word::kDetail, kNo},  // 상세정보
    {"\xED\x9E\x8C\xED\x8A\xB8", Word::kHint, kNo},  // 힌트
    {"\xEC\xBF\xBC\xEB\xA6\xAC", Word::kQuery, kNo},  // 쿼리 (written "쿼리:" with no space after)
    {"\xEB\x82\xB4\xEC\x9A\xA9", Word::kContext, kNo},  // 내용
    {"\xEB\xAA\x85\xEB\xA0\xB9 \xEA\xB5\xAC\xEB\xAC\xB8", Word::kStatement, kNo},  // 명령 구문
    {"\xEC\x9C\x84\xEC\xB9\x98", Word::kLocation, kNo},  // 위치
    {"\xEC\x97\xAD\xEC\xB6\x94\xEC\xA0\x81", Word::kBacktrace, kNo},  // 역추적
    // Polish
    {"B\xC5\x81\xC4\x84" "D", Word::kLevel, Level::kError},  // BŁĄD
    {"DZIENNIK", Word::kLevel, Level::kLog},
    {"OSTRZE\xC5\xBB" "ENIE", Word::kLevel, Level::kWarning},  // OSTRZEŻENIE
    {"UWAGA", Word::kLevel, Level::kNotice},
    {"KATASTROFALNY", Word::kLevel, Level::kFatal},
    {"INFORMACJA", Word::kLevel, Level::kInfo},
    {"PANIKA", Word::kLevel, Level::kPanic},
    {"SZCZEG\xC3\x93\xC5\x81Y", Word::kDetail, kNo},  // SZCZEGÓŁY
    {"PODPOWIED\xC5\xB9", Word::kHint, kNo},  // PODPOWIEDŹ
    {"ZAPYTANIE", Word::kQuery, kNo},
    {"KONTEKST", Word::kContext, kNo},
    {"WYRA\xC5\xBB" "ENIE", Word::kStatement, kNo},  // WYRAŻENIE
    {"POZYCJA", Word::kLocation, kNo},
    // Swedish
    {"FEL", Word::kLevel, Level::kError},
    {"LOGG", Word::kLevel, Level::kLog},
    {"VARNING", Word::kLevel, Level::kWarning},
    {"NOTIS", Word::kLevel, Level::kNotice},
    {"FATALT", Word::kLevel, Level::kFatal},
    {"DETALJ", Word::kDetail, kNo},
    {"TIPS", Word::kHint, kNo},
    {"FR\xC3\x85GA", Word::kQuery, kNo},  // FRÅGA
    {"KONTEXT", Word::kContext, kNo},
    {"SATS", Word::kStatement, kNo},
    {"PLATS", Word::kLocation, kNo},
    // Turkish
    {"HATA", Word::kLevel, Level::kError},
    {"UYARI", Word::kLevel, Level::kWarning},
    {"NOT", Word::kLevel, Level::kNotice},
    {"\xC3\x96L\xC3\x9CMC\xC3\x9CL", Word::kLevel, Level::kFatal},  // ÖLÜMCÜL
    {"BILGI", Word::kLevel, Level::kInfo},
    {"KR\xC4\xB0T\xC4\xB0K", Word::kLevel, Level::kPanic},  // KRİTİK
    {"AYRINTI", Word::kDetail, kNo},
    {"\xC4\xB0PUCU", Word::kHint, kNo},  // İPUCU
    {"SORGU", Word::kQuery, kNo},
    {"ORTAM", Word::kContext, kNo},
    {"KOMUT", Word::kStatement, kNo},
    {"YER", Word::kLocation, kNo},
    // Georgian: its catalog uses one word for NOTICE and WARNING; an alerting
    // tool had better read it as the higher one.
    {"\xE1\x83\xA8\xE1\x83\x94\xE1\x83\xAA\xE1\x83\x93\xE1\x83\x9D\xE1\x83\x9B\xE1\x83\x90", Word::kLevel,
     Level::kError},  // შეცდომა
    {"\xE1\x83\x9F\xE1\x83\xA3\xE1\x83\xA0\xE1\x83\x9C\xE1\x83\x90\xE1\x83\x9A\xE1\x83\x98", Word::kLevel,
     Level::kLog},  // ჟურნალი
    {"\xE1\x83\x92\xE1\x83\x90\xE1\x83\xA4\xE1\x83\xA0\xE1\x83\x97\xE1\x83\xAE\xE1\x83\x98\xE1\x83\x9A\xE1\x83\x94"
     "\xE1\x83\x91\xE1\x83\x90",
     Word::kLevel, Level::kWarning},  // გაფრთხილება
    {"\xE1\x83\xA4\xE1\x83\x90\xE1\x83\xA2\xE1\x83\x90\xE1\x83\x9A\xE1\x83\xA3\xE1\x83\xA0\xE1\x83\x98", Word::kLevel,
     Level::kFatal},  // ფატალური
    {"\xE1\x83\x98\xE1\x83\x9C\xE1\x83\xA4\xE1\x83\x9D\xE1\x83\xA0\xE1\x83\x9B\xE1\x83\x90\xE1\x83\xAA\xE1\x83\x98"
     "\xE1\x83\x90",
     Word::kLevel, Level::kInfo},  // ინფორმაცია
    {"\xE1\x83\x92\xE1\x83\x90\xE1\x83\x9B\xE1\x83\x90\xE1\x83\xA0\xE1\x83\x97\xE1\x83\x95\xE1\x83\x90", Word::kLevel,
     Level::kDebug1},  // გამართვა
    {"\xE1\x83\x9E\xE1\x83\x90\xE1\x83\x9C\xE1\x83\x98\xE1\x83\x99\xE1\x83\x90", Word::kLevel,
     Level::kPanic},  // პანიკა
    {"\xE1\x83\x93\xE1\x83\x94\xE1\x83\xA2\xE1\x83\x90\xE1\x83\x9A\xE1\x83\x94\xE1\x83\x91\xE1\x83\x98", Word::kDetail,
     kNo},  // დეტალები
    {"\xE1\x83\x9B\xE1\x83\x98\xE1\x83\x9C\xE1\x83\x98\xE1\x83\xA8\xE1\x83\x9C\xE1\x83\x94\xE1\x83\x91\xE1\x83\x90",
     Word::kHint, kNo},  // მინიშნება
    {"\xE1\x83\x9B\xE1\x83\x9D\xE1\x83\x97\xE1\x83\xAE\xE1\x83\x9D\xE1\x83\x95\xE1\x83\x9C\xE1\x83\x90", Word::kQuery,
     kNo},  // მოთხოვნა
    {"\xE1\x83\x99\xE1\x83\x9D\xE1\x83\x9C\xE1\x83\xA2\xE1\x83\x94\xE1\x83\xA5\xE1\x83\xA1\xE1\x83\xA2\xE1\x83\x98",
     Word::kContext, kNo},  // კონტექსტი
    {"\xE1\x83\x9D\xE1\x83\x9E\xE1\x83\x94\xE1\x83\xA0\xE1\x83\x90\xE1\x83\xA2\xE1\x83\x9D\xE1\x83\xA0\xE1\x83\x98",
     Word::kStatement, kNo},  // ოპერატორი
    {"\xE1\x83\x9B\xE1\x83\x93\xE1\x83\x94\xE1\x83\x91\xE1\x83\x90\xE1\x83\xA0\xE1\x83\x94\xE1\x83\x9D\xE1\x83\x91"
     "\xE1\x83\x90",
     Word::kLocation, kNo},  // მდებარეობა
    {"\xE1\x83\xA1\xE1\x83\xA2\xE1\x83\x94\xE1\x83\x99\xE1\x83\x98", Word::kBacktrace, kNo},  // სტეკი
};

constexpr size_t kWordCount = sizeof kWords / sizeof kWords[0];

/// The entries of kWords by first byte, in table order (English first), so
/// a line costs one lookup and a compare or two.
struct ByFirstByte {
  std::array<uint16_t, 257> begin_{};
  std::array<uint8_t, kWordCount> order_{};

  ByFirstByte() {
    static_assert(kWordCount < 256, "order_ holds indexes as bytes");
    std::array<uint16_t, 256> count{};
    for (const LineWord& w : kWords) ++count[static_cast<unsigned char>(w.text_[0])];
    for (size_t b = 0; b < 256; ++b) begin_[b + 1] = static_cast<uint16_t>(begin_[b] + count[b]);
    std::array<uint16_t, 256> next{};
    for (size_t b = 0; b < 256; ++b) next[b] = begin_[b];
    for (size_t i = 0; i < kWordCount; ++i) order_[next[static_cast<unsigned char>(kWords[i].text_[0])]++] =
        static_cast<uint8_t>(i);
  }
};

const ByFirstByte& by_first_byte() {
  static const ByFirstByte index;
  return index;
}

bool starts_with(std::string_view s, std::string_view p) { return s.size() >= p.size() && s.compare(0, p.size(), p) == 0; }

/// After the word: optional spaces, a colon (ASCII or full-width "："), then
/// the spaces before the text: two in English, none to two in translations,
/// three in Georgian's LOCATION. No more, so a statement's own indentation
/// survives. Returns the bytes taken, or 0 when no colon follows.
size_t colon_and_spaces(std::string_view s, size_t p, size_t max_spaces) {
  size_t sp = 0;
  while (p < s.size() && s[p] == ' ' && sp < 2) ++p, ++sp;
  if (p < s.size() && s[p] == ':') {
    ++p;
  } else if (starts_with(s.substr(p), "\xEF\xBC\x9A")) {
    p += 3;
  } else {
    return 0;
  }
  for (sp = 0; p < s.size() && s[p] == ' ' && sp < max_spaces; ++p, ++sp) {
  }
  return p;
}

Level exact_word(std::string_view s) {
  if (s.empty()) return Level::kNone;
  const ByFirstByte& idx = by_first_byte();
  unsigned char b = static_cast<unsigned char>(s[0]);
  for (uint16_t i = idx.begin_[b]; i < idx.begin_[b + 1]; ++i) {
    const LineWord& w = kWords[idx.order_[i]];
    if (w.word_ == Word::kLevel && w.text_ == s) return w.level_;
  }
  return Level::kNone;
}

char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

bool equals_upper(std::string_view s, std::string_view upper_word) {
  if (s.size() != upper_word.size()) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (upper(s[i]) != upper_word[i]) return false;
  return true;
}

}  // namespace

std::string_view level_name(Level level) {
  switch (level) {
    case Level::kDebug5: return "DEBUG5";
    case Level::kDebug4: return "DEBUG4";
    case Level::kDebug3: return "DEBUG3";
    case Level::kDebug2: return "DEBUG2";
    case Level::kDebug1: return "DEBUG1";
    case Level::kInfo: return "INFO";
    case Level::kLog: return "LOG";
    case Level::kNotice: return "NOTICE";
    case Level::kWarning: return "WARNING";
    case Level::kError: return "ERROR";
    case Level::kFatal: return "FATAL";
    case Level::kPanic: return "PANIC";
    case Level::kNone: break;
  }
  return "";
}

Level parse_level_name(std::string_view s) {
  static const Level kAll[] = {Level::kDebug5, Level::kDebug4, Level::kDebug3, Level::kDebug2,
                               Level::kDebug1, Level::kInfo,   Level::kLog,    Level::kNotice,
                               Level::kWarning, Level::kError, Level::kFatal,  Level::kPanic};
  for (Level l : kAll)
    if (equals_upper(s, level_name(l))) return l;
  if (equals_upper(s, "DEBUG")) return Level::kDebug1;
  return Level::kNone;
}

Word parse_line_word(std::string_view s, Level* level, size_t* consumed) {
  if (s.empty()) return Word::kNone;
  const ByFirstByte& idx = by_first_byte();
  unsigned char b = static_cast<unsigned char>(s[0]);
  for (uint16_t i = idx.begin_[b]; i < idx.begin_[b + 1]; ++i) {
    const LineWord& w = kWords[idx.order_[i]];
    if (!starts_with(s, w.text_)) continue;
    size_t end = colon_and_spaces(s, w.text_.size(), w.word_ == Word::kLocation ? 3 : 2);
    if (end == 0) continue;
    if (level) *level = w.level_;
    if (consumed) *consumed = end;
    return w.word_;
  }
  return Word::kNone;
}

Level parse_severity_word(std::string_view s) {
  Level l = exact_word(s);
  if (l != Level::kNone) return l;
  return parse_level_name(s);  // DEBUG1..DEBUG5, and any case
}

}  // namespace pgtail
