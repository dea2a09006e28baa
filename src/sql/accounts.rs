//! `--accounts`: one row per account, as `score --accounts` gives. The
//! lead stages run first; then each scored lead that is not rejected, not
//! disqualified and has a key (its field's text, or the domain of an email
//! address or URL, folded; not one of the `except` keys) is a member.
//! Members are counted, tested, ranked by their rolled-up score and rolled
//! up; the account's rules, clamp, rounding, thresholds and labels follow.
//!
//! This is the one module that reads the plan's account block.

use super::cond::Scope;
use super::outputs::output_levels;
use super::query::{render, Column, Cte, Select};
use super::scores::{stage, Turns};
use super::Compiler;
use crate::plan::{
    AccountBlockId, AccountDef, MemberTestId, RollupDef, RollupFn, ValueType, NAMED_MEMBERS,
};

/// The whole statement of one row per account.
pub fn statement(c: &mut Compiler, account: &AccountDef) -> String {
    let (mut ctes, leads) = c.lead_ctes();
    ctes.push(c.member_keys_cte(account, &leads));
    if account.domain_of {
        ctes.push(c.member_hosts_cte());
        ctes.push(c.member_domains_cte());
    }
    ctes.push(c.members_cte(account));
    ctes.push(c.account_base_cte(account));
    let mut from = "account_base".to_string();
    let columns = c.account_rule_columns(account);
    ctes.push(stage(
        c,
        "account_rules",
        "each account rule's points (NULL when it does not fire)",
        &from,
        columns,
    ));
    from = "account_rules".to_string();
    let sum = c.account_sum(account);
    ctes.push(stage(
        c,
        "account_total",
        "the rollup plus the rules, clamped",
        &from,
        vec![Column::new(sum, c.id("score unrounded"))],
    ));
    ctes.push(stage(
        c,
        "account_scores",
        "the account's score rounded to two decimals",
        "account_total",
        vec![Column::new(
            c.round2(&c.id("score unrounded")),
            c.id("score"),
        )],
    ));
    from = "account_scores".to_string();
    for (level, outputs) in output_levels(&account.outputs).into_iter().enumerate() {
        let name = format!("account_outputs_{}", level + 1);
        let columns = outputs
            .into_iter()
            .map(|o| c.output_column(&account.outputs[o], Scope::Account))
            .collect();
        ctes.push(stage(
            c,
            &name,
            "the account's thresholds and labels",
            &from,
            columns,
        ));
        from = name;
    }
    let last = c.account_result(account, &from);
    ctes.insert(0, c.clock_cte());
    render(&c.header(), &ctes, &last, c.d.stage_fence())
}

impl Compiler<'_> {
    /// Each lead's account key, step by step as `account::domain` takes an
    /// address or URL apart.
    fn member_keys_cte(&self, account: &AccountDef, leads: &str) -> Cte {
        let field = &self.plan.fields[account.key];
        let shown = match field.ty {
            ValueType::Enum(_) => {
                let mut expr = format!("CASE {}", self.id(&super::input::field_column(field)));
                for (i, value) in self.enum_values(field.ty).iter().enumerate() {
                    expr.push_str(&format!(" WHEN {i} THEN {}", self.d.string(value)));
                }
                expr.push_str(" END");
                expr
            }
            _ => self.id(&super::input::raw_name(&super::input::field_column(field))),
        };
        let mut select = Select::new(format!("{} AS s", self.id(leads)));
        select.push(Column::all("s.*"));
        select.push(
            Column::new(shown, self.id("key shown"))
                .comment(&format!("the key: field {}", field.name)),
        );
        Cte {
            name: self.id("member_keys"),
            about: "each lead's account key, as written".to_string(),
            select,
        }
    }

    /// The host of each lead's key: after the last `@` of an address,
    /// else the host of a URL, as `account::domain` takes it apart.
    fn member_hosts_cte(&self) -> Cte {
        let v = self.id("key shown");
        let after_scheme = format!(
            "CASE WHEN {p} > 0 THEN substr({v}, {p} + 3) ELSE {v} END",
            p = self.d.position(&v, "'://'")
        );
        let authority = self
            .d
            .remove_matches(&self.d.remove_matches(&after_scheme, "^(//)+"), "[/?#].*$");
        let url_host = self
            .d
            .remove_matches(&self.d.remove_matches(&authority, "^.*@"), ":.*$");
        let mail_host = self.d.remove_matches(&v, "^.*@");
        let is_url = format!(
            "({} OR {})",
            self.d.contains(&v, "'://'"),
            self.d.starts_with(&v, "'//'")
        );
        let host = format!(
            "CASE WHEN NOT {is_url} AND {} THEN {mail_host} ELSE {url_host} END",
            self.d.contains(&v, "'@'")
        );
        let mut select = Select::new(format!("{} AS s", self.id("member_keys")));
        select.push(Column::all("s.*"));
        select.push(Column::new(host, self.id("key host")));
        Cte {
            name: self.id("member_hosts"),
            about: "each key's host: after the last @ of an address, else the host of a URL"
                .to_string(),
            select,
        }
    }

    /// The domain of each lead's host: trimmed, without trailing dots,
    /// folded, without a leading `www.`.
    fn member_domains_cte(&self) -> Cte {
        let host = self.id("key host");
        let cleaned = self
            .d
            .fold(&self.d.remove_matches(&self.d.trim(&host), "\\.+$"));
        let domain = self.d.remove_matches(&cleaned, "^www\\.");
        let mut select = Select::new(format!("{} AS s", self.id("member_hosts")));
        select.push(Column::all("s.*"));
        select.push(Column::new(domain, self.id("key domain")));
        Cte {
            name: self.id("member_domains"),
            about: "each host as a domain".to_string(),
            select,
        }
    }

    /// The members: leads with a key, not rejected, not disqualified, not
    /// excepted, each with its folded key, rolled-up value and member tests.
    fn members_cte(&mut self, account: &AccountDef) -> Cte {
        let key = if account.domain_of {
            let host = self.id("key domain");
            format!(
                "CASE WHEN {} AND NOT {} AND {} THEN {host} END",
                self.d.contains(&host, "'.'"),
                self.d.starts_with(&host, "'.'"),
                self.d.is_host_name(&host),
            )
        } else {
            self.d.fold(&self.id("key shown"))
        };
        let value = match account.rollup.as_ref().and_then(|r| r.of) {
            Some(g) => self.id(&self.plan.groups[g].name),
            None => self.id("score"),
        };
        let from = if account.domain_of {
            "member_domains"
        } else {
            "member_keys"
        };
        let mut select = Select::new(format!("{} AS s", self.id(from)));
        select.push(Column::new(
            format!("nullif({key}, '')"),
            self.id("account key"),
        ));
        select.push(Column::new(value, self.id("member value")));
        if self.options.reasons {
            let id = format!("s.{}", self.id("id"));
            select.push(Column::new(self.d.json_text(&id), self.id("id json")));
            select.push(Column::new(
                self.d.code_point_order(&id),
                self.id("id order"),
            ));
        }
        for (t, test) in account.member_tests.iter_enumerated() {
            let expr = match &test.condition {
                Some(c) => format!("CASE WHEN {} THEN 1 ELSE 0 END", self.cond(c, Scope::Lead)),
                None => "1".to_string(),
            };
            select.push(Column::new(expr, self.id(&format!("passes {t}"))).comment(&test.source));
        }
        select.tail.push(format!(
            "WHERE s.{} IS NULL AND s.{} IS NULL",
            self.id("error"),
            self.id("disqualified")
        ));
        let except: Vec<String> = account.except.iter().map(|k| self.d.string(k)).collect();
        let mut keep = format!("{} IS NOT NULL", self.id("account key"));
        if !except.is_empty() {
            keep.push_str(&format!(
                " AND {} NOT IN ({})",
                self.id("account key"),
                except.join(", ")
            ));
        }
        let mut ranked = Select::new(format!("(\n{}\n  ) AS m", select.render(4).trim_end()));
        ranked.push(Column::all("m.*"));
        let partition = format!("PARTITION BY m.{}", self.id("account key"));
        // With reasons, members are named by id, and a tie in the rollup is
        // broken the same way, as `score --accounts --explain` does.
        let by_id = format!("m.{}", self.id("id order"));
        let tie = if self.options.reasons {
            format!(", {by_id}")
        } else {
            String::new()
        };
        ranked.push(Column::new(
            format!(
                "row_number() OVER ({partition} ORDER BY m.{} DESC{tie})",
                self.id("member value")
            ),
            self.id("rank"),
        ));
        if self.options.reasons {
            ranked.push(Column::new(
                format!("row_number() OVER ({partition} ORDER BY {by_id})"),
                self.id("rank by id"),
            ));
            for (r, rule) in account.rules.iter_enumerated() {
                let named = self.names_rule(&rule.reads, "m.");
                ranked.push(Column::new(
                    named.clone(),
                    self.id(&format!("named by {r}")),
                ));
                ranked.push(Column::new(
                    format!("row_number() OVER ({partition}, {named} ORDER BY {by_id})"),
                    self.id(&format!("rank named by {r}")),
                ));
            }
        }
        ranked.tail.push(format!("WHERE {keep}"));
        Cte {
            name: self.id("members"),
            about: "the members of each account, best rolled-up score first".to_string(),
            select: ranked,
        }
    }

    /// One row per account: its members, its member counts, its rollup.
    fn account_base_cte(&self, account: &AccountDef) -> Cte {
        let key = self.id("account key");
        let value = self.id("member value");
        let mut select = Select::new(format!("{} AS m", self.id("members")));
        select.tail.push(format!("GROUP BY m.{key}"));
        select.push(Column::new(format!("m.{key}"), self.id("account")));
        select.push(Column::new("count(*)", self.id("members")));
        for t in account.member_tests.ids() {
            select.push(Column::new(
                format!("sum({})", self.id(&format!("passes {t}"))),
                self.id(&format!("members {t}")),
            ));
        }
        let rollup = match &account.rollup {
            None => self.number(0.0),
            Some(RollupDef { function, top, .. }) => {
                let best = |f: super::dialect::Aggregate, v: &str| match top {
                    Some(n) => self
                        .d
                        .aggregate_where(f, v, &format!("{} <= {n}", self.id("rank"))),
                    None => format!("{}({v})", f.name()),
                };
                use super::dialect::Aggregate as F;
                match function {
                    RollupFn::Sum => best(F::Sum, &value),
                    RollupFn::Max => format!("max({value})"),
                    RollupFn::Avg => {
                        format!("{} / {}", best(F::Sum, &value), best(F::Count, &value))
                    }
                }
            }
        };
        let about = account
            .rollup
            .as_ref()
            .map_or("no rollup".to_string(), |r| r.source.clone());
        select.push(Column::new(rollup, self.id("base unrounded")).comment(&about));
        if self.options.reasons {
            select.columns.extend(self.named_member_columns(account));
        }
        let mut rounded = Select::new(format!("(\n{}\n  ) AS b", select.render(4).trim_end()));
        rounded.push(Column::all("b.*"));
        rounded.push(Column::new(
            self.round2(&format!("b.{}", self.id("base unrounded"))),
            self.id("base"),
        ));
        Cte {
            name: self.id("account_base"),
            about: "each account's members, member counts and rollup".to_string(),
            select: rounded,
        }
    }

    /// Each rule's points when it fires; a rule of a `first` block fires
    /// only when no earlier rule of its block holds, as for a lead.
    fn account_rule_columns(&mut self, account: &AccountDef) -> Vec<Column> {
        let mut turns = Turns::<AccountBlockId>::default();
        account
            .rules
            .iter_enumerated()
            .map(|(r, rule)| {
                let test = self.cond(&rule.condition, Scope::Account);
                let when = turns.when(rule.block, test);
                Column::new(
                    format!("CASE WHEN {when} THEN {} END", self.number(rule.points)),
                    self.id(&format!("account rule {r}")),
                )
                .comment(&format!(
                    "account rule {r}: {}{}",
                    rule.name,
                    Self::origin(&rule.origin)
                ))
            })
            .collect()
    }

    /// The rollup plus the rules that fired, in order, then the clamp.
    fn account_sum(&self, account: &AccountDef) -> String {
        let mut sum = self.id("base");
        for r in account.rules.ids() {
            sum = format!(
                "{sum} + coalesce({}, 0)",
                self.id(&format!("account rule {r}"))
            );
        }
        self.finish(&sum, None, account.max, account.min, None)
    }

    /// 1 when a member passes any of the member tests a rule reads, else 0.
    fn names_rule(&self, reads: &[MemberTestId], prefix: &str) -> String {
        if reads.is_empty() {
            return "0".to_string();
        }
        let passes: Vec<String> = reads
            .iter()
            .map(|t| format!("{prefix}{} = 1", self.id(&format!("passes {t}"))))
            .collect();
        format!("CASE WHEN {} THEN 1 ELSE 0 END", passes.join(" OR "))
    }

    /// With reasons, per account: the members the rollup counted (best
    /// first, or the first [`NAMED_MEMBERS`] by id), and for each rule the
    /// members it names with how many there are.
    fn named_member_columns(&self, account: &AccountDef) -> Vec<Column> {
        let json = format!("m.{}", self.id("id json"));
        let by_id = format!("m.{}", self.id("id order"));
        let rank = format!("m.{}", self.id("rank"));
        let rank_by_id = format!("m.{}", self.id("rank by id"));
        let mut columns = Vec::new();
        if let Some(rollup) = &account.rollup {
            let best = match (rollup.function, rollup.top) {
                (_, Some(n)) => Some(n),
                (RollupFn::Max, None) => Some(1),
                _ => None,
            };
            let names = match best {
                Some(n) => self.d.ordered_join(&format!("{rank} <= {n}"), &json, &rank),
                None => {
                    self.d
                        .ordered_join(&format!("{rank_by_id} <= {NAMED_MEMBERS}"), &json, &by_id)
                }
            };
            columns.push(Column::new(names, self.id("rollup names")));
            let counted = match best {
                Some(_) => "0".to_string(),
                None => "count(*)".to_string(),
            };
            columns.push(Column::new(counted, self.id("rollup named")));
        }
        for r in account.rules.ids() {
            let named = format!("m.{}", self.id(&format!("named by {r}")));
            let rank = format!("m.{}", self.id(&format!("rank named by {r}")));
            columns.push(Column::new(
                self.d.ordered_join(
                    &format!("{named} = 1 AND {rank} <= {NAMED_MEMBERS}"),
                    &json,
                    &by_id,
                ),
                self.id(&format!("names of {r}")),
            ));
            columns.push(Column::new(
                format!("sum({named})"),
                self.id(&format!("named of {r}")),
            ));
        }
        columns
    }

    /// The JSON array of an account's reasons: the rollup, then each rule
    /// that fired, each naming its members as `score --accounts --explain`
    /// does.
    fn account_reasons(&self, account: &AccountDef) -> String {
        let reason = |rule: &str, points: String, names: &str, named: &str| {
            let more = format!(
                "CASE WHEN {named} > {NAMED_MEMBERS} THEN {} END",
                self.d.concat(&[
                    self.d.string(",\"more_members\":"),
                    self.d.number_text(&format!("{named} - {NAMED_MEMBERS}")),
                ])
            );
            self.d.concat(&[
                self.d.string(&format!(
                    "{{\"rule\":{},\"points\":",
                    serde_json::Value::String(rule.to_string())
                )),
                points,
                self.d.string(",\"members\":["),
                names.to_string(),
                self.d.string("]"),
                format!("coalesce({more}, '')"),
                self.d.string("}"),
            ])
        };
        let mut parts = Vec::new();
        if let Some(rollup) = &account.rollup {
            parts.push(reason(
                &rollup.source,
                self.d.number_text(&self.id("base")),
                &self.id("rollup names"),
                &self.id("rollup named"),
            ));
        }
        for (r, rule) in account.rules.iter_enumerated() {
            let fired = self.id(&format!("account rule {r}"));
            let object = reason(
                &rule.name,
                self.d.number_text(&fired),
                &self.id(&format!("names of {r}")),
                &self.id(&format!("named of {r}")),
            );
            parts.push(format!("CASE WHEN {fired} IS NOT NULL THEN {object} END"));
        }
        self.json_array(&parts)
    }

    /// The columns of `score --accounts --format csv`, then the reasons.
    fn account_result(&self, account: &AccountDef, from: &str) -> Select {
        let mut select = Select::new(self.id(from));
        for name in ["account", "members", "score"] {
            select.push(Column::new(self.id(name), self.id(name)));
        }
        for output in account.outputs.iter() {
            select.push(Column::new(
                self.output_value(output),
                self.id(output.name()),
            ));
        }
        if self.options.reasons {
            select.push(
                Column::new(self.account_reasons(account), self.id("reasons"))
                    .comment("the rollup and every rule that fired, with the members each counted"),
            );
        }
        select
    }
}
