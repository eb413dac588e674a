//! Per-object reference docs, generated from the catalog (so they cannot
//! drift: a test compares `crates/clerk-core/OBJECTS.md` with this output).

use std::fmt::Write as _;

use crate::catalog::{Envelope, FilterKind, CATALOG};
use crate::cell::SqlType;

/// Markdown reference of every object: columns, pushdown, ordering.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Clerk objects\n\nGenerated from `clerk_core::catalog` by `clerk_core::docs::markdown()`; \
         regenerate with `UPDATE_DOCS=1 cargo test -p clerk-core docs`.\n",
    );
    for o in CATALOG {
        let _ = write!(out, "\n## `{}`\n\n{}\n\n", o.table, o.doc);
        let _ = writeln!(out, "- table option: `object '{}'`", o.object);
        let _ = writeln!(
            out,
            "- list: `GET {}` ({}, up to {} rows a page)",
            o.list_path,
            match o.envelope {
                Envelope::BareArray => "bare array",
                Envelope::DataTotalCount => "`{data, total_count}`",
            },
            o.page_size_max
        );
        if let Some(get) = o.get_path {
            let cols: Vec<String> = o.lookup_columns.iter().map(|c| format!("`{c} = '...'`")).collect();
            let _ = writeln!(out, "- get by id: `GET {get}`, used for {}", cols.join(", "));
        }
        let _ = writeln!(out, "- default order: `{}`\n", o.default_order);
        out.push_str("| column | type | description |\n|---|---|---|\n");
        for c in o.columns {
            let _ = writeln!(out, "| `{}` | {} | {} |", c.name, SqlType::from(c.ty).sql_name(), c.doc);
        }
        out.push_str("\n| qual | query parameter | exact |\n|---|---|---|\n");
        for f in o.filters {
            let (quals, param) = match f.kind {
                FilterKind::Equals { .. } => (format!("`{0} = v`, `{0} in (...)`", f.column), f.param.to_string()),
                FilterKind::Search => (format!("`{} = v`", f.column), format!("{} (search)", f.param)),
                FilterKind::Boolean => (format!("`{0}`, `not {0}`", f.column), f.param.to_string()),
                FilterKind::TimeRange { after, before } => {
                    (format!("`{}` with `<`, `<=`, `>`, `>=`", f.column), format!("{after}, {before}"))
                }
            };
            let _ = writeln!(out, "| {quals} | `{param}` | {} |", if f.exact { "yes" } else { "no" });
        }
        // Mirrors the planner: nullable sort keys are never pushed (Clerk's
        // NULL placement is unknown); only `total` ones also allow LIMIT.
        let orders: Vec<String> = o
            .order_by
            .iter()
            .filter(|s| o.column(s.column).is_some_and(|c| !c.nullable))
            .map(|s| format!("`{}`{}", s.column, if s.total { " (with limit)" } else { "" }))
            .collect();
        let _ = writeln!(out, "\n`order by` pushed for: {}.", orders.join(", "));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn docs_match_the_catalog() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/OBJECTS.md");
        let generated = super::markdown();
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            on_disk == generated,
            "OBJECTS.md is out of date: run `UPDATE_DOCS=1 cargo test -p clerk-core docs`"
        );
    }
}
