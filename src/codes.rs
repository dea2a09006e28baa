//! The registry of diagnostic codes. A code never changes meaning once
//! released; `leadscore explain-code CODE` prints its entry.

/// Whether a diagnostic stops the model (an error) or only advises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

macro_rules! codes {
    ($( $variant:ident = $code:literal, $name:literal, $summary:literal, $fix:literal, $example:literal; )*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $( $variant, )* }

        /// Every code with its documentation, in code order.
        pub const ALL: &[CodeInfo] = &[
            $( CodeInfo { code: Code::$variant, id: $code, name: $name, summary: $summary, fix: $fix, example: $example }, )*
        ];

        impl Code {
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }
        }
    };
}

#[derive(Debug)]
pub struct CodeInfo {
    pub code: Code,
    pub id: &'static str,
    pub name: &'static str,
    pub summary: &'static str,
    pub fix: &'static str,
    pub example: &'static str,
}

codes! {
    Syntax = "E001", "syntax-error",
        "The text does not follow the grammar of a model: a token is missing, misplaced or misspelt.",
        "Read the label: it says what was expected at that spot. Points need a sign (`+10`), text that is not a single word needs quotes, and keywords cannot be used as bare values.",
        "when title = VP 10      # points need a sign: +10";
    InvalidEscape = "E002", "invalid-escape",
        "A text literal uses a backslash escape that does not exist. Only `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{...}` are known.",
        "Double the backslash to mean a backslash itself, as regular expressions usually need: `\"\\\\d+\"`.",
        "when phone matches \"\\d+\" +5";
    InvalidLiteral = "E003", "invalid-literal",
        "A number, date, instant or duration is spelt correctly but names no real value (2026-02-30, a zero-length duration, a number too large).",
        "Write a value that exists.",
        "when signed_up after 2026-02-30 +5";
    UnknownType = "E004", "unknown-type",
        "A field or event property is declared with a type leadscore does not know.",
        "Use one of `text`, `number`, `bool`, `date`, `one of [...]` or `list of text`.",
        "lead { employees: integer }";
    DuplicateName = "E005", "duplicate-name",
        "Two declarations use the same name. Fields, events (and their plural forms), lists, lets, groups, thresholds and labels share one namespace. A group, threshold or label may not take the name of a column every result has (`id`, `reasons`; for an account also `account` and `members`).",
        "Rename one of them.",
        "lead { visits: number }\nevent visit(page: text)";
    UnknownName = "E006", "unknown-name",
        "A name is used that nothing declares.",
        "Declare it (a field in `lead { ... }`, an `event`, a `list`, a `let`), or fix the spelling the help suggests.",
        "when titel = VP +10";
    TypeMismatch = "E007", "type-mismatch",
        "A comparison or predicate does not fit the type of what it tests: text compared with `<`, a number field with text, a date with a number.",
        "Compare with a constant of the field's type, or use a predicate the type supports; the help names them.",
        "when employees > lots +10";
    NotInSet = "E008", "value-not-in-set",
        "A value is not one of the values of a `one of` field or of a label.",
        "Use one of the declared values (case does not matter), or add the value to the declaration.",
        "when seniority = Boss +10";
    InvalidRegex = "E009", "invalid-regex",
        "The pattern after `matches` is not a valid regular expression.",
        "Fix the pattern; the message says what is wrong with it.",
        "when email matches \"([a-z\" +5";
    LetCycle = "E010", "let-cycle",
        "A `let` refers to itself, directly or through other lets.",
        "Break the cycle: a let names a condition built from fields and events.",
        "let a = b\nlet b = a";
    MisplacedWithin = "E011", "misplaced-within",
        "`within` applies to an event count (keeping the events in the window) or to a date (a test); it was used on something else, or twice.",
        "Put `within` right after an event reference or a date field, once.",
        "when title within 30d +5";
    EventArgument = "E012", "bad-event-reference",
        "An event reference is malformed: a key on an event without properties, `last`/`first` of something that is not an event, or an event used where a single value is needed.",
        "Use a key only with events that declare properties; `last(...)` takes an event reference.",
        "event demo_request\nwhen demo_requests(urgent) +5";
    RuleReadsOutput = "E013", "rule-reads-output",
        "A rule (or a `let` it uses) reads `score`, a group, a threshold, a label or `disqualified`. Those are computed from the rules, so a rule cannot read them.",
        "Move the condition to a threshold or a label, or base the rule on fields and events.",
        "when score > 50 +10";
    ReadBeforeDeclared = "E014", "read-before-declared",
        "A threshold or label reads a threshold or label that is declared after it (or itself). They are evaluated in order.",
        "Move the declaration it reads above it.",
        "threshold hot when grade = A\nlabel grade from score: A >= 80, B";
    RepeatedModifier = "E015", "repeated-modifier",
        "A modifier (`max`, `min`, `separate`, `fade over`) appears twice on the same rule or group.",
        "Keep one.",
        "score fit max 50 max 60 { }";
    RepeatedDecay = "E016", "repeated-declaration",
        "A score has two `decay` lines, a model two `total` lines, a test two `as of` lines, or two thresholds have no name (both would be called `qualified`).",
        "Keep one; combine what they say.",
        "score engagement {\n  decay 10 every 30d\n  decay 5 after 90d\n}";
    NotACondition = "E017", "not-a-condition",
        "Something that is not true or false stands where a condition is needed: a text or number field on its own, for example.",
        "Add a predicate: `title is present`, `employees > 0`.",
        "when title +10";
    UnreadableFile = "E018", "unreadable-file",
        "A file named by `use` or `list ... from` cannot be read.",
        "Check the path; it is relative to the file that names it.",
        "use \"missing.score\"";
    PathEscapes = "E019", "path-escapes-model-dir",
        "A path in `use` or `list ... from` is absolute or leaves the directory of the model given on the command line.",
        "Keep shared files inside the model's directory and name them with relative paths.",
        "use \"../other-team/model.score\"";
    IncludeCycle = "E020", "include-cycle",
        "Files include each other in a cycle through `use`.",
        "Move the shared items into a third file that both use.",
        "use \"a.score\"   # where a.score uses this file";
    BadTest = "E021", "bad-test",
        "A `test` block is incomplete or names something wrongly: no `as of`, a field that is not declared, a value of the wrong type, a field given twice.",
        "Every test needs `as of DATE`; lead values must fit the schema.",
        "test \"vp\" { lead { title: VP } expect score = 10 }";
    BadList = "E022", "bad-list",
        "A list is used where one value is needed, or a bare word stands where a list is needed but names no list.",
        "Write a list literal `[a, b]` or declare the list with `list NAME = [...]`.",
        "when title = [VP, CEO] +10";
    DuplicateValue = "E023", "duplicate-value",
        "A `one of` type, or a label in the short `from` form, has the same value twice (values compare without letter case). In the block form a value may have several cases.",
        "Remove the repeated value.",
        "lead { tier: one of [Gold, gold] }";
    BadNumber = "E024", "bad-number",
        "A number is out of its range: a negative `max` on an `each` rule, a percentage above 100, a clamp whose `min` exceeds its `max`.",
        "Use a value in range.",
        "decay 150% every 30d";
    AccountScope = "E025", "account-scope",
        "A name is used in the wrong scope: an account-only name (`members`, an account's threshold or label) in a lead's condition, `members` inside `members(where ...)`, or an account condition reading a lead's field, event, group, threshold or label directly.",
        "Lead conditions see the lead; account conditions see `members`, `members(where ...)`, the account's `score` and its own thresholds and labels. To ask about members, count them: `members(where title contains VP) >= 1`.",
        "when members >= 3 +10";
    BadAccount = "E026", "bad-account",
        "An `account` block is malformed: a second account block, a second `rollup`, a key that is not a text field, `separate`, a `disqualify` rule, or `members` with a key instead of a condition.",
        "A model has one `account` block keyed by a text field (`account by company`, `account by domain of email`), with at most one `rollup` and `when` rules over `members`.",
        "account by employees {\n  rollup sum of score\n}";
    MisplacedFallback = "E027", "misplaced-fallback",
        "A short-form label has a bare value (one without a bound) before its last clause. Only the last value may be bare: it is the fallback, chosen when no bound holds.",
        "Give the value a bound (`B >= 10`), or move it to the end of the list.",
        "label grade from fit: A >= 30, C, B >= 10";
    BadId = "E028", "bad-id",
        "The lead's `id` is declared wrongly: twice, with a type other than `text` or `number`, or with `missing if` (an id is never missing). `id as \"KEY\"` names the key the id is read from; `id: text as \"KEY\"` does the same and lets rules read it.",
        "Declare the id once, as `id as \"Record ID\"` or `id: text as \"Record ID\"`.",
        "lead {\n  id as \"Record ID\"\n  id: bool\n}";
    BadPlaceholder = "E029", "bad-placeholder",
        "A `missing if` placeholder is not text, names no declared list, or equals one of the field's own `one of` values (that value could then never be read).",
        "Write the placeholders as text in brackets (`missing if [\"Select\", \"n/a\"]`) or name a declared `list`; take the field's own values out of the placeholders.",
        "lead { stage: one of [New, Select] missing if [\"Select\"] }";
    BadFirstBlock = "E030", "bad-first-block",
        "A `first` block holds something it cannot: an `each` rule, a `disqualify` rule, a `first` block inside it, an `otherwise` that is not last or is given twice; or it has no `when` rule at all.",
        "A `first` block takes `when` rules with points, then at most one `otherwise` with points, last. Move the other rules out of the block.",
        "score fit {\n  first {\n    otherwise +5\n    when employees < 50 -10\n  }\n}";
    BadEachField = "E031", "bad-each-field",
        "An `each` rule on a field is malformed: the field is not a `number`, it carries a key, a `where` or `within` (those belong to events), it has `fade over`, or its `per` is not above zero; or `per` follows an event reference.",
        "Write `each FIELD [per N] +P [max M]` on a number field, with N above zero; count events with `each EVENT +P`, without `per`.",
        "lead { visits: number }\neach visits within 30d +2 max 20";
    BadSince = "E032", "bad-since",
        "A `since` names something other than a `date` field of the lead, or is given twice: twice on one group, or twice as a top-level item.",
        "Name a `date` field (`score engagement since returned_to_marketing`), once per group and once at the top level.",
        "lead { returned: text }\nevent email_open\nscore engagement since returned {\n  each email_open +2 max 10\n}";
    UnreachableLabel = "W001", "unreachable-label-value",
        "A label value can never be chosen: an earlier clause already takes every score it could.",
        "Order the clauses from the strictest bound to the loosest (`A >= 35, B >= 25, ...`).",
        "label grade from fit: C >= 10, A >= 35, D";
    BareWordIsField = "W002", "bare-word-is-field",
        "A bare word on the right of a comparison is also the name of a field. A bare word is always text, never a field, so this compares with the word itself.",
        "Quote the word to make clear it is text (`\"industry\"`); comparing two fields is not supported.",
        "when title = industry +5";
    UnreachableBound = "W003", "unreachable-bound",
        "A threshold, a label clause, or a comparison in a threshold, label or let tests a score against a bound that no lead can reach. leadscore works out the lowest and highest value each group and the total can take (every rule's points, `each` caps, group and total clamps) and the bound lies outside that range, so the threshold is never passed or the label value never chosen. An `account` block's thresholds and labels are checked the same way against the account's score: its rollup (one member at least; a `sum` without `top` has no upper end), its rules, and its `max` and `min`.",
        "Move the bound inside the range the message gives, or change the points or the `max`/`min` that limit the score.",
        "score fit max 50 {\n  when seniority = VP +40\n  when employees > 1000 +30\n}\nlabel grade from fit: A >= 60, B >= 30, C";
    NeverTrue = "W004", "condition-never-true",
        "Tests joined with `and` contradict each other on the same field, event count, score or event property (`employees > 1000 and employees < 500`, `title = CEO and title = CTO`, `seniority >= VP and seniority < Manager`), or one test can never pass on its own (`employees between 500 and 100`, or `title = \"\"`: empty text is read as missing). The condition is never true, so the rule never fires, the let is never true, or the `where` never matches an event.",
        "Fix the bound that is wrong, or join the tests with `or` if either should do (`title in [CEO, CTO]`). To test for an empty value, write `title is missing`.",
        "when employees > 1000 and employees < 500 +10";
    DuplicateRule = "W005", "duplicate-rule",
        "The same rule (same condition or event reference, same points and modifiers) appears twice in the same score (the top level, or one group), so a lead that matches gets the points twice. Usually a copy-and-paste slip or a merge that brought a rule in twice. The same rule in two different groups is not reported: each group is its own sub-score.",
        "Remove one copy. If the lead should get more points, change the points of one rule instead.",
        "when seniority = VP +20\nwhen seniority = VP +20";
    UnusedDeclaration = "W006", "unused-declaration",
        "A field, event, list or `let` is declared but nothing reads it: no rule, let, threshold, label, account block or test. Events are not reported in a model with a `decay`, since every declared event counts as activity there; declarations brought in with `use` are not reported, since a shared file serves several models.",
        "Remove the declaration, or use it where it was meant to be used. A bare word is text, never a field: `title = industry` does not read `industry`.",
        "lead { title: text, industry: text }\nwhen title = VP +10";
    UnboundedEach = "W007", "unbounded-each",
        "An `each` rule has neither `max`, `within` nor `fade over`, so every matching event the lead ever had adds its points again: the rule's points grow without bound, and a lead with a long history can reach any score.",
        "Cap the rule (`+5 max 25`), count only recent events (`within 90d`), or let old events fade (`fade over 90d`).",
        "each email_open +5";
    MaxBelowPoints = "W008", "max-below-points",
        "A group's `max` is below the points of one of its rules (for an `each` rule: below its own `max`, or below the points of a single event), so that rule can never give all its points. `total max` is held to the same against the top-level rules.",
        "Lower the rule's points (or its `max`) to the score's `max` or less, or raise the score's `max`.",
        "score fit max 20 { when seniority = VP +30 }";
    BareWordNearList = "W009", "bare-word-near-list",
        "A bare word in a set of values is one letter away from the name of a declared list (`competitor` for the list `competitors`). Only the exact name of a list stands for the list; any other bare word is text, so the rule compares with that one word.",
        "Write the list's exact name, or quote the word (`\"competitor\"`) if you do mean that text.",
        "list competitors = [\"rival.io\"]\nwhen email ends with competitor disqualify \"competitor\"";
    UnreachableRule = "W010", "unreachable-rule",
        "A rule of a `first` block can never give its points: an earlier rule of the block holds whenever it does (the same condition, or a comparison, range or membership on the same field or event count that takes in every value this one accepts), or, for `otherwise`, an earlier rule holds for every lead, missing values included.",
        "Order a block's rules from the narrowest to the widest (`< 50`, then `< 200`, then `< 1000`), or remove the rule that is never reached.",
        "score fit {\n  first {\n    when employees < 1000 +10\n    when employees < 200 +5\n  }\n}";
    SqlRegex = "E050", "sql-regex",
        "`compile --emit sql`: a `matches` pattern uses a construct that the chosen dialect's regex engine reads differently from leadscore (the Rust `regex` crate): `\\w` and `\\b` are ASCII-only in RE2 (DuckDB, BigQuery), PostgreSQL and Snowflake know no `\\d`, `\\s` or `\\p{..}`, POSIX classes such as `[[:alpha:]]` are ASCII in Rust and not elsewhere. The query would match other text than `leadscore score` does, so none is written.",
        "Write the pattern with the construct the help names (an explicit class such as `[0-9]` or `[A-Za-z_]`), which every engine reads as leadscore does; the scores of `leadscore score` change only if the data holds characters the two spellings treat differently.",
        "when email matches \"^\\\\w+@\" +5      # leadscore compile model.score --emit sql --dialect duckdb";
    SqlLayout = "E051", "sql-layout",
        "`compile --emit sql`: the model cannot be laid out as the warehouse relations of the SQL backend: two events give one property name different types (the `events` relation has one column per property name), or a group, threshold or label is named `error`, which is the result column of a rejected lead.",
        "Rename the property in one of the events, or rename the score or output.",
        "event visit(page: text)\nevent purchase(page: number)";
    FailIfSyntax = "E040", "fail-if-syntax",
        "The condition given to `diff --fail-if` does not parse: an operator, a figure or a parenthesis is missing or misplaced. Comparisons do not chain (`1 < a < 3`).",
        "Write comparisons of figures and numbers joined by `and`, `or`, `not`: `mql.entered + mql.left > 50`. Quote a figure whose name is not made of letters, digits, `_` and `.`: `\"route.tier 1.entered\" > 0`.",
        "leadscore diff old.score new.score leads.ndjson --fail-if \"mql.entered >\"";
    UnknownFigure = "E041", "unknown-figure",
        "The condition given to `diff --fail-if` names a figure the report does not have. Figures are named after the models' thresholds, labels and label values (`mql.entered`, `grade.A.left`), plus `leads`, `score.*` and `rules.*`.",
        "Fix the spelling the help suggests; `diff --format json` lists every figure under `figures`.",
        "leadscore diff old.score new.score leads.ndjson --fail-if \"mql.enterd > 50\"";
    FailIfNotACondition = "E042", "fail-if-not-a-condition",
        "The condition given to `diff --fail-if` mixes numbers and conditions: its whole must be a condition (true or false), arithmetic takes numbers, and `and`, `or`, `not` take conditions.",
        "Compare the number with a limit (`mql.entered > 50`) and join the comparisons with `and` / `or`.",
        "leadscore diff old.score new.score leads.ndjson --fail-if \"mql.entered + mql.left\"";
}

impl Code {
    pub fn severity(self) -> Severity {
        if self.as_str().starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        }
    }

    pub fn info(self) -> Option<&'static CodeInfo> {
        ALL.iter().find(|i| i.code == self)
    }

    pub fn lookup(id: &str) -> Option<&'static CodeInfo> {
        ALL.iter()
            .find(|i| i.id.eq_ignore_ascii_case(id) || i.name == id)
    }
}

/// The page of every diagnostic code, as `docs/diagnostics.md` holds it.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Diagnostics\n\nEvery problem `leadscore check` reports has a stable code: `E0xx` for errors\n\
         (the model cannot be used until they are fixed) and `W0xx` for warnings (the\n\
         model works, but probably not as meant; `check --deny warnings` makes them\n\
         fail too). `leadscore explain-code CODE` prints an entry from the command line.\n\n\
         This page is generated from the code registry (`src/codes.rs`); a test keeps\n\
         it in step.\n\n| code | name | severity |\n| --- | --- | --- |\n",
    );
    for info in ALL {
        let severity = match info.code.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!(
            "| [{}](#{}) | {} | {severity} |\n",
            info.id,
            info.id.to_lowercase(),
            info.name
        ));
    }
    for info in ALL {
        out.push_str(&format!(
            "\n## {}\n\n`{}`\n\n{}\n\nFor example:\n\n```text\n{}\n```\n\nHow to fix it: {}\n",
            info.id, info.name, info.summary, info.example, info.fix
        ));
    }
    out
}
