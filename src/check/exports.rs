//! What the schema says about real exports (contract §19): the key the
//! lead's id is read from (`id as "KEY"`, or `id: text|number as "KEY"`,
//! which is also a field rules may read), the placeholders of a field or
//! an event property that are read as missing (`missing if`), and points
//! per unit of a number field (`each FIELD [per N]`).

use super::{Checker, Symbol};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::plan::{Effect, FieldId, Id as _, ValueType};
use crate::source::Span;
use crate::syntax::ast::{self, FieldDecl, Item, Modifier, Spanned, ValueSet};
use crate::text::fold;

impl<'a> Checker<'a> {
    /// Handles a declaration named `id`; `true` when it declares no field
    /// (`id as "KEY"`, or one rejected). `seen` is the first `id` so far.
    pub(super) fn declare_id(&mut self, f: &FieldDecl, seen: &mut Option<Span>) -> bool {
        if f.name.node != "id" {
            return false;
        }
        if let Some(first) = *seen {
            let (line, _) = self.sources.line_col(first.file, first.start);
            self.report(
                Diagnostic::new(
                    Code::BadId,
                    f.name.span,
                    "the lead's `id` is declared twice",
                )
                .label("second `id`")
                .help(format!("keep the declaration on line {line}")),
            );
            return true;
        }
        *seen = Some(f.name.span);
        if let Some(m) = &f.missing_if {
            self.report(
                Diagnostic::new(Code::BadId, m.span, "the lead's `id` takes no `missing if`")
                    .label("an id is never missing")
                    .help("every lead record needs an id; remove `missing if`, or leave out records without one before scoring"),
            );
        }
        if let Some(key) = &f.key {
            self.model.id_key = key.node.clone();
        }
        match &f.ty {
            None => true,
            Some(ty) => match &ty.node {
                ast::TypeExpr::Named(n) if n == "text" || n == "number" => false,
                _ => {
                    self.report(
                        Diagnostic::new(
                            Code::BadId,
                            ty.span,
                            "the lead's `id` is text or a number",
                        )
                        .label("not `text` or `number`")
                        .help("write `id: text`, `id: number`, or `id as \"KEY\"` to only name its key"),
                    );
                    true
                }
            },
        }
    }

    /// The record key the id is read from, as declared so far.
    pub(super) fn id_key(&self) -> String {
        match self.model.id_key.as_str() {
            "" => "id".to_string(),
            key => key.to_string(),
        }
    }

    /// The placeholders of every field and event property, once every
    /// list is declared (a `missing if` may name a list declared below).
    pub(super) fn check_placeholders(&mut self, items: &'a [Item]) {
        for item in items {
            match item {
                Item::Lead(fields) => {
                    for f in &fields.node {
                        let Some(set) = &f.missing_if else {
                            continue;
                        };
                        let Some((Symbol::Field(id), span)) = self.names.get(&f.name.node).copied()
                        else {
                            continue;
                        };
                        if span != f.name.span {
                            continue;
                        }
                        let ty = self.model.fields.get(id).map(|f| f.ty);
                        let values = self.placeholders(set, ty);
                        if let Some(field) = self.model.fields.get_mut(id) {
                            field.missing_if = values;
                        }
                    }
                }
                Item::Event(e) => {
                    let Some((Symbol::Event(id), span)) = self.names.get(&e.name.node).copied()
                    else {
                        continue;
                    };
                    if span != e.name.span {
                        continue;
                    }
                    for p in &e.props {
                        let Some(set) = &p.missing_if else {
                            continue;
                        };
                        let position = self
                            .model
                            .events
                            .get(id)
                            .and_then(|ev| ev.props.iter().position(|q| q.name == p.name.node));
                        let Some(position) = position else {
                            continue;
                        };
                        let ty = self
                            .model
                            .events
                            .get(id)
                            .and_then(|ev| ev.props.as_slice().get(position))
                            .map(|p| p.ty);
                        let values = self.placeholders(set, ty);
                        let prop = self.model.events.get_mut(id).and_then(|ev| {
                            ev.props.get_mut(crate::plan::PropId::from_index(position))
                        });
                        if let Some(prop) = prop {
                            prop.missing_if = values;
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// The folded placeholders of one `missing if`; none of them may be one
    /// of the field's own `one of` values.
    fn placeholders(&mut self, set: &Spanned<ValueSet>, ty: Option<ValueType>) -> Vec<String> {
        let values = self.text_values(
            set,
            "or write the placeholders in brackets: `missing if [\"Select\", \"n/a\"]`",
        );
        if let Some(ValueType::Enum(e)) = ty {
            let declared = self.model.enums.get(e).cloned().unwrap_or_default();
            for value in &values {
                if let Some(same) = declared.iter().find(|d| fold(d) == *value) {
                    self.report(
                        Diagnostic::new(
                            Code::BadPlaceholder,
                            set.span,
                            format!("`{same}` is one of the field's values and a placeholder"),
                        )
                        .label("also in `one of`")
                        .help(format!(
                            "a value read as missing could never be `{same}`; take it out of the `one of` or out of `missing if`"
                        )),
                    );
                }
            }
        }
        let mut unique: Vec<String> = Vec::with_capacity(values.len());
        for v in values {
            if !unique.contains(&v) {
                unique.push(v);
            }
        }
        unique
    }
}

impl Checker<'_> {
    /// The field an `each` rule counts, when its name is a field's.
    pub(super) fn field_of_each(&self, event: &ast::EventRef) -> Option<FieldId> {
        match self.names.get(&event.name.node) {
            Some((Symbol::Field(id), _)) => Some(*id),
            _ => None,
        }
    }

    /// `each FIELD [per N] +P [max M]`: only on a number field, with no
    /// key, `where`, `within` or `fade over`, and N above zero.
    pub(super) fn per_unit(
        &mut self,
        event: &ast::EventRef,
        per: Option<Spanned<f64>>,
        modifiers: &[Spanned<Modifier>],
        field: FieldId,
        points: f64,
        max: Option<f64>,
    ) -> Option<Effect> {
        let name = &event.name.node;
        let mut ok = true;
        let ty = self.model.fields.get(field).map(|f| f.ty);
        if ty != Some(ValueType::Number) {
            self.bad_each_field(
                event.name.span,
                format!("`each {name}` counts a field that is not a number"),
                "not a number",
                "`each FIELD` gives points per unit of a number field; test other fields with `when`".to_string(),
            );
            ok = false;
        }
        if let Some(arg) = &event.arg {
            let span = match arg {
                ast::EventArg::Key(k) => k.span,
                ast::EventArg::Where(w) => w.span,
            };
            self.bad_each_field(
                span,
                format!("`{name}` is a field: it takes no key or `where`"),
                "only events have keys",
                format!("write `each {name} +P`, or count an event instead"),
            );
            ok = false;
        }
        for w in &event.within {
            self.bad_each_field(
                w.span,
                format!("`within` does not apply to the field `{name}`"),
                "a field has no time",
                "a field's value is counted whole; `within` keeps recent events of an event reference".to_string(),
            );
            ok = false;
        }
        for m in modifiers {
            if let Modifier::Fade(_) = m.node {
                self.bad_each_field(
                    m.span,
                    format!("`fade over` does not apply to the field `{name}`"),
                    "a field has no age",
                    "remove `fade over`; it weighs events by their age".to_string(),
                );
                ok = false;
            }
        }
        let per_value = per.as_ref().map_or(1.0, |p| p.node);
        if let Some(p) = &per {
            if p.node <= 0.0 || !p.node.is_finite() {
                self.bad_each_field(
                    p.span,
                    format!(
                        "`per {}` must be above zero",
                        crate::syntax::print::number(p.node)
                    ),
                    "not above zero",
                    "give the size of one unit: `per 300` gives the points for each whole 300"
                        .to_string(),
                );
                ok = false;
            }
        }
        ok.then_some(Effect::PerUnit {
            field,
            per: per_value,
            points,
            max,
        })
    }

    /// `per` after an event reference.
    pub(super) fn per_on_event(&mut self, span: Span) {
        self.bad_each_field(
            span,
            "`per` applies to a number field, not to an event".to_string(),
            "not on events",
            "an `each` rule on an event gives its points for every matching event; remove `per`"
                .to_string(),
        );
    }

    fn bad_each_field(&mut self, span: Span, message: String, label: &str, help: String) {
        self.report(
            Diagnostic::new(Code::BadEachField, span, message)
                .label(label)
                .help(help),
        );
    }
}
