//! Lowering of the declarations: the lead's fields, the event types and
//! their properties, named lists, and the types they are declared with.

use super::{Lowerer, P};
use crate::codes::Code;
use crate::syntax::ast::{
    Constant, EventDecl, FieldDecl, ListDecl, ListSource, PropDecl, Spanned, TypeExpr, ValueSet,
};
use crate::syntax::grammar::Rule as R;

impl Lowerer {
    pub(super) fn lower_field_decl(&mut self, pair: P) -> Option<FieldDecl> {
        let is_id = pair.as_rule() == R::id_decl;
        let mut inner = pair.into_inner();
        let name = self.lower_ident(inner.next()?);
        let ty = if is_id {
            None
        } else {
            Some(self.lower_type(inner.next()?)?)
        };
        let mut key = None;
        let mut missing_if = None;
        for p in inner {
            match p.as_rule() {
                R::key_option => {
                    let span = self.span(&p);
                    let text = p.into_inner().find(|p| p.as_rule() == R::text)?;
                    let text = self.lower_text(text);
                    if key.replace(text).is_some() {
                        self.repeated_option(span, "as");
                    }
                }
                R::missing_if => {
                    let span = self.span(&p);
                    if missing_if.replace(self.lower_missing_if(p)?).is_some() {
                        self.repeated_option(span, "missing if");
                    }
                }
                _ => {}
            }
        }
        Some(FieldDecl {
            name,
            ty,
            key,
            missing_if,
        })
    }

    fn repeated_option(&mut self, span: crate::source::Span, word: &str) {
        self.error(
            Code::RepeatedModifier,
            span,
            format!("`{word}` is given twice on this declaration"),
            "repeated",
            "each of `as` and `missing if` may appear once; keep the one you mean",
        );
    }

    /// `missing if [...]` as a list of constants, `missing if NAME` as the
    /// bare word that names a list.
    fn lower_missing_if(&mut self, pair: P) -> Option<Spanned<ValueSet>> {
        let span = self.span(&pair);
        let set = pair.into_inner().find_map(|p| match p.as_rule() {
            R::list_literal => Some(ValueSet::Many(self.lower_list_literal(p))),
            R::ident => Some(ValueSet::One(Constant::Word(p.as_str().to_string()))),
            _ => None,
        })?;
        Some(Spanned::new(set, span))
    }

    fn lower_type(&mut self, pair: P) -> Option<Spanned<TypeExpr>> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next()?;
        let ty = match inner.as_rule() {
            R::type_one_of => {
                let list = inner
                    .into_inner()
                    .find(|p| p.as_rule() == R::list_literal)?;
                TypeExpr::OneOf(self.lower_list_literal(list))
            }
            R::type_list_of => {
                let elem = inner.into_inner().find(|p| p.as_rule() == R::ident)?;
                TypeExpr::ListOf(self.lower_ident(elem))
            }
            _ => TypeExpr::Named(inner.as_str().to_string()),
        };
        Some(Spanned::new(ty, span))
    }

    pub(super) fn lower_event_decl(&mut self, pair: P) -> Option<EventDecl> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().skip(1);
        let name = self.lower_ident(inner.next()?);
        let props = inner
            .filter(|p| p.as_rule() == R::prop_decl)
            .filter_map(|p| {
                let mut parts = p.into_inner();
                let name = self.lower_ident(parts.next()?);
                let ty = self.lower_type(parts.next()?)?;
                let mut missing_if = None;
                for part in parts {
                    let span = self.span(&part);
                    if missing_if.replace(self.lower_missing_if(part)?).is_some() {
                        self.repeated_option(span, "missing if");
                    }
                }
                Some(PropDecl {
                    name,
                    ty,
                    missing_if,
                })
            })
            .collect();
        Some(EventDecl { name, props, span })
    }

    pub(super) fn lower_list_decl(&mut self, pair: P) -> Option<ListDecl> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().skip(1);
        let name = self.lower_ident(inner.next()?);
        let source = inner.find_map(|p| match p.as_rule() {
            R::list_literal => Some(ListSource::Literal(self.lower_list_literal(p))),
            R::text => Some(ListSource::File(self.lower_text(p))),
            _ => None,
        })?;
        Some(ListDecl { name, source, span })
    }
}
