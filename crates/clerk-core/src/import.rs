//! IMPORT FOREIGN SCHEMA: `CREATE FOREIGN TABLE` statements generated from
//! the catalog.

use crate::catalog::{ObjectSpec, CATALOG};
use crate::cell::SqlType;

/// Which tables the statement asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportListType {
    All,
    LimitTo,
    Except,
}

/// The IMPORT FOREIGN SCHEMA statement as the host passes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportStmt {
    pub server_name: String,
    pub remote_schema: String,
    pub local_schema: String,
    pub list_type: ImportListType,
    pub table_list: Vec<String>,
}

/// One statement per catalog object selected by the list type. Postgres
/// filters LIMIT TO / EXCEPT again and forces the local schema, so names are
/// left unqualified.
pub fn import_foreign_schema(stmt: &ImportStmt) -> Vec<String> {
    CATALOG
        .iter()
        .filter(|spec| {
            let listed = stmt.table_list.iter().any(|t| t == spec.table);
            match stmt.list_type {
                ImportListType::All => true,
                ImportListType::LimitTo => listed,
                ImportListType::Except => !listed,
            }
        })
        .map(|spec| create_foreign_table(spec, &stmt.server_name))
        .collect()
}

/// The `CREATE FOREIGN TABLE IF NOT EXISTS` statement for one object.
pub fn create_foreign_table(spec: &ObjectSpec, server_name: &str) -> String {
    let columns: Vec<String> = spec
        .columns
        .iter()
        .map(|c| format!("  {} {}", quote_ident(c.name), SqlType::from(c.ty).sql_name()))
        .collect();
    let rowid = spec
        .rowid
        .map(|c| format!(", rowid_column {}", quote_literal(c)))
        .unwrap_or_default();
    format!(
        "create foreign table if not exists {} (\n{}\n)\n  server {}\n  options (object {}{rowid})",
        quote_ident(spec.table),
        columns.join(",\n"),
        quote_ident(server_name),
        quote_literal(spec.object),
    )
}

/// Quotes an identifier unless it is a plain lower-case name that is not a
/// reserved word.
pub fn quote_ident(name: &str) -> String {
    let plain = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !RESERVED.contains(&name);
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// A standard SQL string literal (`'` doubled; standard_conforming_strings
/// is on by default since Postgres 9.1, so backslashes are literal).
pub fn quote_literal(value: &str) -> String {
    if value.contains('\\') {
        format!("E'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
    } else {
        format!("'{}'", value.replace('\'', "''"))
    }
}

/// Postgres reserved key words (and those reserved as column names) that a
/// plain identifier must not be.
const RESERVED: &[&str] = &[
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization",
    "between", "bigint", "binary", "bit", "boolean", "both", "case", "cast", "char", "character",
    "check", "coalesce", "collate", "collation", "column", "concurrently", "constraint", "create",
    "cross", "current_catalog", "current_date", "current_role", "current_schema", "current_time",
    "current_timestamp", "current_user", "dec", "decimal", "default", "deferrable", "desc",
    "distinct", "do", "else", "end", "except", "exists", "extract", "false", "fetch", "float",
    "for", "foreign", "freeze", "from", "full", "grant", "greatest", "group", "grouping", "having",
    "ilike", "in", "initially", "inner", "inout", "int", "integer", "intersect", "interval", "into",
    "is", "isnull", "join", "json", "lateral", "leading", "least", "left", "like", "limit",
    "localtime", "localtimestamp", "national", "natural", "nchar", "none", "normalize", "not",
    "notnull", "null", "nullif", "numeric", "offset", "on", "only", "or", "order", "out", "outer",
    "overlaps", "overlay", "placing", "position", "precision", "primary", "real", "references",
    "returning", "right", "row", "select", "session_user", "setof", "similar", "smallint", "some",
    "substring", "symmetric", "system_user", "table", "tablesample", "then", "time", "timestamp",
    "to", "trailing", "treat", "trim", "true", "union", "unique", "user", "using", "values",
    "varchar", "variadic", "verbose", "when", "where", "window", "with", "xmlattributes",
    "xmlconcat", "xmlelement", "xmlexists", "xmlforest", "xmlnamespaces", "xmlparse", "xmlpi",
    "xmlroot", "xmlserialize", "xmltable",
];

#[cfg(test)]
#[path = "import_tests.rs"]
mod tests;
