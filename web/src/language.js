// Highlighting of model files (.score) for CodeMirror's StreamLanguage:
// comments, text, keywords, points, numbers, durations, dates.

const KEYWORDS = new Set([
  "account", "after", "ago", "and", "as", "before", "between", "contains", "decay",
  "disqualify", "each", "ends", "events", "event", "every", "expect", "fade", "false",
  "first", "from", "in", "is", "last", "lead", "let", "label", "list", "matches", "max",
  "min", "missing", "not", "of", "or", "otherwise", "over", "present", "rollup", "score",
  "separate", "starts", "test", "threshold", "total", "true", "use", "when", "where",
  "within", "with", "group", "since", "per", "if",
]);

export const scoreLanguage = {
  name: "leadscore",
  token(stream) {
    if (stream.eatSpace()) return null;
    if (stream.match("#")) {
      stream.skipToEnd();
      return "comment";
    }
    if (stream.match('"')) {
      let escaped = false;
      let ch;
      while ((ch = stream.next()) !== undefined) {
        if (ch === '"' && !escaped) break;
        escaped = !escaped && ch === "\\";
      }
      return "string";
    }
    if (stream.match(/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?/)) return "number";
    if (stream.match(/^[+-]\d[\d_]*(\.\d+)?/)) return "number";
    if (stream.match(/^\d[\d_]*(mo|[hdwy])\b/)) return "atom";
    if (stream.match(/^\d[\d_]*(\.\d+)?%?/)) return "number";
    if (stream.match(/^[A-Za-z_][A-Za-z0-9_]*/)) {
      return KEYWORDS.has(stream.current()) ? "keyword" : "variableName";
    }
    if (stream.match(/^(>=|<=|!=|[=<>])/)) return "operator";
    stream.next();
    return null;
  },
  languageData: { commentTokens: { line: "#" } },
};
