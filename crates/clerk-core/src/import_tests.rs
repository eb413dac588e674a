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
    let tables: Vec<&str> = crate::catalog::CATALOG.iter().map(|o| o.table).collect();
    assert_eq!(table_names(&sqls), tables);
    assert!(tables.len() >= 19);
}

#[test]
fn limit_to_and_except_filter() {
    assert_eq!(table_names(&import_foreign_schema(&stmt(ImportListType::LimitTo, &["users", "nope"]))), vec!["users"]);
    let except = table_names(&import_foreign_schema(&stmt(ImportListType::Except, &["users"])));
    assert!(!except.contains(&"users".to_string()));
    assert_eq!(except.len(), crate::catalog::CATALOG.len() - 1);
    assert!(import_foreign_schema(&stmt(ImportListType::LimitTo, &[])).is_empty());
}

#[test]
fn users_statement_keeps_the_first_columns_and_ends_with_attrs() {
    let sql = create_foreign_table(crate::catalog::lookup("users").unwrap(), "clerk_server");
    let start = "create foreign table if not exists users (
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
  primary_web3_wallet_id text,
";
    assert!(sql.starts_with(start), "{sql}");
    assert!(
        sql.ends_with("  scim jsonb,\n  attrs jsonb\n)\n  server clerk_server\n  options (object 'users', rowid_column 'id')"),
        "{sql}"
    );
}

#[test]
fn supabase_object_spellings_are_imported() {
    let sql = create_foreign_table(crate::catalog::lookup("billing_plans").unwrap(), "s");
    assert!(sql.starts_with("create foreign table if not exists billing_plans (\n  id text,"), "{sql}");
    assert!(sql.ends_with("options (object 'billing/plans', rowid_column 'id')"), "{sql}");
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
