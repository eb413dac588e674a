use super::*;

fn stmt(list_type: ImportListType, tables: &[&str]) -> ImportStmt {
    ImportStmt {
        server_name: "clerk_server".into(),
        remote_schema: "clerk".into(),
        local_schema: "clerk".into(),
        list_type,
        table_list: tables.iter().map(|t| t.to_string()).collect(),
    }
}

fn table_names(sqls: &[String]) -> Vec<String> {
    sqls.iter()
        .map(|s| s.trim_start_matches("create foreign table if not exists ").split(' ').next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn all_imports_every_catalog_object() {
    let sqls = import_foreign_schema(&stmt(ImportListType::All, &[]));
    assert_eq!(table_names(&sqls), vec!["organizations", "users"]);
}

#[test]
fn limit_to_and_except_filter() {
    assert_eq!(table_names(&import_foreign_schema(&stmt(ImportListType::LimitTo, &["users", "nope"]))), vec!["users"]);
    assert_eq!(
        table_names(&import_foreign_schema(&stmt(ImportListType::Except, &["users"]))),
        vec!["organizations"]
    );
    assert!(import_foreign_schema(&stmt(ImportListType::LimitTo, &[])).is_empty());
}

#[test]
fn users_statement_is_exact() {
    let sql = create_foreign_table(crate::catalog::lookup("users").unwrap(), "clerk_server");
    let expected = "create foreign table if not exists users (
  id text,
  external_id text,
  username text,
  first_name text,
  last_name text,
  email text,
  primary_email_address_id text,
  phone text,
  primary_phone_number_id text,
  image_url text,
  has_image boolean,
  banned boolean,
  locked boolean,
  last_sign_in_at timestamptz,
  last_active_at timestamptz,
  public_metadata jsonb,
  private_metadata jsonb,
  unsafe_metadata jsonb,
  email_addresses jsonb,
  created_at timestamptz,
  updated_at timestamptz,
  attrs jsonb
)
  server clerk_server
  options (object 'users', rowid_column 'id')";
    assert_eq!(sql, expected);
}

#[test]
fn server_names_are_quoted_when_needed() {
    let sql = create_foreign_table(crate::catalog::lookup("organizations").unwrap(), "My \"Server\"");
    assert!(sql.contains("server \"My \"\"Server\"\"\"\n"), "{sql}");
    assert!(sql.contains("members_count integer"));
}

#[test]
fn identifier_and_literal_quoting() {
    assert_eq!(quote_ident("users"), "users");
    assert_eq!(quote_ident("user"), "\"user\"");
    assert_eq!(quote_ident("Users"), "\"Users\"");
    assert_eq!(quote_ident("a-b"), "\"a-b\"");
    assert_eq!(quote_ident("1a"), "\"1a\"");
    assert_eq!(quote_ident(""), "\"\"");
    assert_eq!(quote_literal("it's"), "'it''s'");
    assert_eq!(quote_literal("a\\b'"), "E'a\\\\b'''");
}
