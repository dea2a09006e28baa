//! Lowering of the declarations: the lead's fields, the event types and
//! their properties, named lists, and the types they are declared with.

use super::{Lowerer, P};
use crate::syntax::ast::{EventDecl, FieldDecl, ListDecl, ListSource, PropDecl, Spanned, TypeExpr};
use crate::syntax::grammar::Rule as R;

impl Lowerer {
    pub(super) fn lower_field_decl(&mut self, pair: P) -> Option<FieldDecl> {
        let mut inner = pair.into_inner();
        let name = self.lower_ident(inner.next()?);
        let ty = self.lower_type(inner.next()?)?;
        let key = inner
            .find(|p| p.as_rule() == R::text)
            .map(|p| self.lower_text(p));
        Some(FieldDecl { name, ty, key })
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
                Some(PropDecl { name, ty })
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
