//! Per-object reference docs, generated from the catalog (so they cannot
//! drift: a test compares `crates/clerk-core/OBJECTS.md` with this output).

use std::fmt::Write as _;

use crate::catalog::{
    BindTo, Endpoint, Envelope, FilterKind, ObjectSpec, Shape, WriteOp, CATALOG, SUPABASE_ID_LOOKUPS,
    SUPABASE_TABLES, SUPABASE_WRITES,
};
use crate::cell::SqlType;

/// Markdown reference of every object: endpoints, columns, pushdown,
/// ordering.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Clerk objects\n\nGenerated from `clerk_core::catalog` by `clerk_core::docs::markdown()`; \
         regenerate with `UPDATE_DOCS=1 cargo test -p clerk-core docs`.\n\n\
         Each table is served by the first of its endpoints whose conditions the query's `where` \
         satisfies; a condition `col in (...)` on a column marked *one request per value* makes \
         one request per value (at most 100); `col in (...)` on a list's query parameter sends up to \
         100 values a request, split over up to 10 requests. Every other `where` clause is evaluated \
         by Postgres.\n\n\
         | table | `object` | endpoints |\n|---|---|---|\n",
    );
    for o in CATALOG {
        let paths: Vec<String> = o.endpoints.iter().map(|e| format!("`GET {}`", e.path)).collect();
        let _ = writeln!(out, "| [`{}`](#{}) | `{}` | {} |", o.table, o.table, o.object, paths.join(", "));
    }
    for o in CATALOG {
        object_section(&mut out, o);
    }
    out
}

/// The README's table of objects, side by side with Supabase's wrapper:
/// what each table needs and which columns' conditions reach Clerk.
pub fn readme_table() -> String {
    let mut out = String::from(
        "| table | in Supabase's wrapper | needs | conditions sent to Clerk (theirs) | conditions sent to Clerk (ours) | writes (theirs, `attrs` only) | writes (ours: `attrs` and typed columns) |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for o in CATALOG {
        let theirs = SUPABASE_TABLES.contains(&o.table);
        let needs = needs(o);
        let their_pushdown = if SUPABASE_ID_LOOKUPS.contains(&o.table) {
            "`id`".to_string()
        } else if theirs && !needs.is_empty() {
            // Their billing tables take the id they need, as ours do.
            needs.clone()
        } else if theirs {
            "none".to_string()
        } else {
            "(no table)".to_string()
        };
        let mut ours: Vec<&str> = Vec::new();
        for e in o.endpoints {
            let cols = e.binds.iter().map(|b| b.column).chain(e.filters.iter().map(|f| f.column));
            for c in cols {
                if !ours.contains(&c) {
                    ours.push(c);
                }
            }
        }
        let ours: Vec<String> = ours.iter().map(|c| format!("`{c}`")).collect();
        let their_writes = SUPABASE_WRITES
            .iter()
            .find(|(t, _)| *t == o.table)
            .map(|(_, ops)| ops_names(ops.contains('i'), ops.contains('u'), ops.contains('d')))
            .unwrap_or_else(|| "—".to_string());
        let w = &o.writes;
        let our_writes = ops_names(w.insert.is_some(), w.update.is_some(), w.delete.is_some());
        let _ = writeln!(
            out,
            "| [`{}`](crates/clerk-core/OBJECTS.md#{}) | {} | {} | {} | {} | {} | {} |",
            o.table,
            o.table,
            if theirs { "yes" } else { "no" },
            if needs.is_empty() { "—" } else { needs.as_str() },
            their_pushdown,
            if ours.is_empty() { "—".to_string() } else { ours.join(", ") },
            their_writes,
            our_writes,
        );
    }
    out
}

/// `insert, update, delete` (those that are true), or `—`.
fn ops_names(insert: bool, update: bool, delete: bool) -> String {
    let names: Vec<&str> = [(insert, "insert"), (update, "update"), (delete, "delete")]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| *n)
        .collect();
    if names.is_empty() {
        "—".to_string()
    } else {
        names.join(", ")
    }
}

fn write_line(out: &mut String, what: &str, op: &Option<WriteOp>) {
    if let Some(op) = op {
        let method = format!("{:?}", op.method).to_uppercase();
        let _ = write!(out, "- {what}: `{method} {}`", op.path);
        if what != "delete" {
            let cols: Vec<String> = std::iter::once("`attrs` (the body as is)".to_string())
                .chain(op.fields.iter().map(|f| {
                    if f.field == f.column {
                        format!("`{}`", f.column)
                    } else {
                        format!("`{}` (as `{}`)", f.column, f.field)
                    }
                }))
                .collect();
            let _ = write!(out, ", sets {}", cols.join(", "));
        }
        out.push('\n');
    }
}

/// What a query of a table without an unbound endpoint must give: each
/// endpoint's binds (`a` and `b`), alternatives joined by "or"; empty when
/// the table can be scanned whole.
fn needs(o: &ObjectSpec) -> String {
    if o.unbound_endpoint().is_some() {
        return String::new();
    }
    let mut alternatives: Vec<String> = Vec::new();
    for e in o.endpoints {
        let cols: Vec<String> =
            e.binds.iter().filter(|b| b.all.is_empty()).map(|b| format!("`{}`", b.column)).collect();
        let alt = cols.join(" and ");
        if !alternatives.contains(&alt) {
            alternatives.push(alt);
        }
    }
    alternatives.join(" or ")
}

fn object_section(out: &mut String, o: &ObjectSpec) {
    let _ = write!(out, "\n## `{}`\n\n{}\n\n", o.table, o.doc);
    if o.object == o.table {
        let _ = writeln!(out, "- table option: `object '{}'`", o.object);
    } else {
        let _ = writeln!(out, "- table option: `object '{}'` (or `'{}'`)", o.object, o.table);
    }
    if let Some(rowid) = o.rowid {
        let _ = writeln!(out, "- row id: `{rowid}`");
    }
    write_line(out, "insert", &o.writes.insert);
    write_line(out, "update", &o.writes.update);
    write_line(out, "delete", &o.writes.delete);
    let needs = needs(o);
    if !needs.is_empty() {
        let _ = writeln!(out, "- **a query must give** {needs} (`=`, or `in (...)` where marked below)");
    }
    out.push('\n');
    out.push_str("| column | type | description |\n|---|---|---|\n");
    for c in o.columns {
        let _ = writeln!(out, "| `{}` | {} | {} |", c.name, SqlType::from(c.ty).sql_name(), c.doc);
    }
    for e in o.endpoints {
        endpoint_section(out, o, e);
    }
}

fn endpoint_section(out: &mut String, o: &ObjectSpec, e: &Endpoint) {
    let shape = match e.shape {
        Shape::Paged { envelope, page_size_max } => {
            format!("list, {}, up to {page_size_max} rows a page", envelope_name(envelope))
        }
        Shape::Unpaged { envelope } => format!("list, {}, one request", envelope_name(envelope)),
        Shape::One => "one object, 404 = no row".to_string(),
    };
    let _ = write!(out, "\n### `GET {}`\n\n{shape}", e.path);
    if !e.fixed_query.is_empty() {
        let fixed: Vec<String> = e.fixed_query.iter().map(|(k, v)| format!("`{k}={v}`")).collect();
        let _ = write!(out, "; always sends {}", fixed.join(", "));
    }
    out.push_str(".\n\n");
    if e.binds.is_empty() {
        out.push_str("Used when no endpoint above applies.\n");
    } else {
        let conds: Vec<String> = e
            .binds
            .iter()
            .map(|b| {
                let target = match b.to {
                    BindTo::Path(p) => format!("`{{{p}}}`"),
                    BindTo::Query(q) => format!("`{q}=`"),
                };
                let mut s = format!("`{} = '...'` fills {target}", b.column);
                if b.fan_out {
                    s.push_str(" (`in (...)`: one request per value)");
                }
                if !b.all.is_empty() {
                    s.push_str(&format!(" (without it: one request for each of {})", b.all.join(", ")));
                }
                if !b.exact {
                    s.push_str(" (re-checked by Postgres)");
                }
                s
            })
            .collect();
        let _ = writeln!(out, "Used for {}.", conds.join(" and "));
    }
    if !e.filters.is_empty() {
        out.push_str("\n| qual | query parameter | exact |\n|---|---|---|\n");
        for f in e.filters {
            let (quals, param) = match f.kind {
                FilterKind::Equals { max_values: 1, .. } => (format!("`{} = v`", f.column), f.param.to_string()),
                FilterKind::Equals { .. } => (format!("`{0} = v`, `{0} in (...)`", f.column), f.param.to_string()),
                FilterKind::Search => (format!("`{} = v`", f.column), format!("{} (search)", f.param)),
                FilterKind::Contains => (
                    format!("`{0} like p`, `{0} ilike p`, `{0} = v`", f.column),
                    format!("{} (substring)", f.param),
                ),
                FilterKind::Boolean => (format!("`{0}`, `not {0}`", f.column), f.param.to_string()),
                FilterKind::TimeRange { after, before } => {
                    (format!("`{}` with `<`, `<=`, `>`, `>=`", f.column), format!("{after}, {before}"))
                }
            };
            let _ = writeln!(out, "| {quals} | `{param}` | {} |", if f.exact { "yes" } else { "no" });
        }
    }
    // Mirrors the planner: nullable sort keys are never pushed (Clerk's
    // NULL placement is unknown); only `total` ones also allow LIMIT.
    let orders: Vec<String> = e
        .order_by
        .iter()
        .filter(|s| o.column(s.column).is_some_and(|c| !c.nullable))
        .map(|s| format!("`{}`{}", s.column, if s.total { " (with limit)" } else { "" }))
        .collect();
    if !orders.is_empty() {
        let _ = writeln!(out, "\n`order by` pushed for: {}.", orders.join(", "));
    }
    for w in e.sorted_windows {
        let _ = writeln!(
            out,
            "\n`{0} > t` / `{0} >= t`: sent as `order_by=-{1}`, and reading stops at the first older row \
             (an incremental sync's `where {0} > $last_sync` costs the changed rows' pages).",
            w.column, w.field
        );
    }
    if let Some(d) = e.default_order {
        let _ = writeln!(out, "\nDefault order: `{d}`.");
    }
}

fn envelope_name(e: Envelope) -> String {
    match e {
        Envelope::BareArray => "bare array".to_string(),
        Envelope::DataTotalCount => "`{data, total_count}`".to_string(),
        Envelope::Keyed(k) => format!("`{{{k}, total_count}}`"),
    }
}

#[cfg(test)]
mod tests {
    /// The README's objects table is this function's output, between its
    /// markers.
    #[test]
    fn readme_table_matches_the_catalog() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
        let readme = std::fs::read_to_string(path).unwrap_or_default();
        let (begin, end) = ("<!-- objects table: generated, see clerk_core::docs::readme_table -->\n", "<!-- end of objects table -->");
        let generated = super::readme_table();
        if std::env::var_os("UPDATE_DOCS").is_some() {
            if let (Some(b), Some(e)) = (readme.find(begin), readme.find(end)) {
                let updated = format!("{}{generated}{}", &readme[..b + begin.len()], &readme[e..]);
                std::fs::write(path, updated).unwrap();
            }
        }
        let readme = std::fs::read_to_string(path).unwrap_or_default();
        let block = readme
            .find(begin)
            .and_then(|b| readme[b + begin.len()..].find(end).map(|e| &readme[b + begin.len()..b + begin.len() + e]));
        assert!(
            block == Some(generated.as_str()),
            "README.md's objects table is out of date: run `UPDATE_DOCS=1 cargo test -p clerk-core docs`"
        );
    }

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
