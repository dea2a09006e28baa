//! Lowering of `account` blocks: the key leads are grouped by, the
//! rollups of their scores, and the account's own rules and outputs.

use super::{Lowerer, P};
use crate::codes::Code;
use crate::syntax::ast::{Account, AccountEntry, AccountKey, Rollup, RollupFn, Spanned};
use crate::syntax::grammar::Rule as R;

impl Lowerer {
    pub(super) fn lower_account(&mut self, pair: P) -> Option<Account> {
        let span = self.span(&pair);
        let mut key = None;
        let mut except = None;
        let mut modifiers = Vec::new();
        let mut entries = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                R::account_key => {
                    let inner = p.into_inner().next()?;
                    key = Some(match inner.as_rule() {
                        R::account_domain_of => {
                            let field = inner.into_inner().find(|p| p.as_rule() == R::ident)?;
                            AccountKey {
                                domain_of: true,
                                field: self.lower_ident(field),
                            }
                        }
                        _ => AccountKey {
                            domain_of: false,
                            field: self.lower_ident(inner),
                        },
                    });
                }
                R::account_except => {
                    let set = p.into_inner().find(|p| p.as_rule() == R::value_set)?;
                    except = self.lower_value_set(set);
                }
                R::max_modifier | R::min_modifier | R::separate_modifier | R::since_modifier => {
                    modifiers.extend(self.lower_modifier(p));
                }
                R::rollup => entries.extend(self.lower_rollup(p).map(AccountEntry::Rollup)),
                R::when_rule => entries.extend(self.lower_rule(p).map(AccountEntry::Rule)),
                R::first_block => {
                    entries.extend(self.lower_first_block(p).map(AccountEntry::First))
                }
                R::threshold => {
                    entries.extend(self.lower_threshold(p).map(AccountEntry::Threshold))
                }
                R::label => entries.extend(self.lower_label(p).map(AccountEntry::Label)),
                _ => {}
            }
        }
        Some(Account {
            key: key?,
            except,
            modifiers,
            entries,
            span,
        })
    }

    fn lower_rollup(&mut self, pair: P) -> Option<Rollup> {
        let span = self.span(&pair);
        let mut function = None;
        let mut score = None;
        let mut top = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                R::rollup_fn => {
                    let fspan = self.span(&p);
                    let f = match p.as_str() {
                        "sum" => RollupFn::Sum,
                        "max" => RollupFn::Max,
                        _ => RollupFn::Avg,
                    };
                    function = Some(Spanned::new(f, fspan));
                }
                R::score_name => score = self.lower_score_name(p),
                R::number => {
                    let nspan = self.span(&p);
                    match p.as_str().replace('_', "").parse::<u32>() {
                        Ok(n) if n >= 1 => top = Some(Spanned::new(n, nspan)),
                        _ => self.error(
                            Code::InvalidLiteral,
                            nspan,
                            format!("`top {}` needs a whole number of at least 1", p.as_str()),
                            "not a member count",
                            "write `top 3`",
                        ),
                    }
                }
                _ => {}
            }
        }
        Some(Rollup {
            function: function?,
            score: score?,
            top,
            span,
        })
    }
}
