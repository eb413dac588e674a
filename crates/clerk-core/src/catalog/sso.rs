//! Single sign-on: SAML and enterprise connections.

use super::*;

pub(crate) const SAML_CONNECTIONS: ObjectSpec = ObjectSpec {
    table: "saml_connections",
    object: "saml_connections",
    noun: "saml connection",
    rows: Rows::Items,
    endpoints: &[
        one(
            "/saml_connections/{saml_connection_id}",
            &[id_bind("id", "saml_connection_id", "samlc_...")],
        ),
        Endpoint {
            // `query` matches names partially: a superset.
            filters: &[ids("organization_id", "organization_id"), search("name", "query")],
            ..list("/saml_connections", Envelope::DataTotalCount)
        },
    ],
    columns: &[
        col("id", ColType::Text, false, "saml connection id"),
        col("name", ColType::Text, false, "name"),
        col("domain", ColType::Text, true, "domain"),
        col("domains", ColType::Jsonb, true, "domains"),
        col("idp_entity_id", ColType::Text, true, "idp entity id"),
        col("idp_sso_url", ColType::Text, true, "idp sso url"),
        col("idp_certificate", ColType::Text, true, "idp certificate"),
        col("idp_certificate_issued_at", ColType::Timestamptz, true, "idp certificate issued at"),
        col("idp_certificate_expires_at", ColType::Timestamptz, true, "idp certificate expires at"),
        col("idp_metadata_url", ColType::Text, true, "idp metadata url"),
        col("idp_metadata", ColType::Text, true, "idp metadata"),
        col("acs_url", ColType::Text, false, "acs url"),
        col("sp_entity_id", ColType::Text, false, "sp entity id"),
        col("sp_metadata_url", ColType::Text, false, "sp metadata url"),
        col("organization_id", ColType::Text, true, "organization id"),
        col("attribute_mapping", ColType::Jsonb, true, "attribute mapping"),
        col("active", ColType::Bool, false, "active"),
        col("provider", ColType::Text, false, "provider"),
        col("user_count", ColType::I64, false, "user count"),
        col("sync_user_attributes", ColType::Bool, false, "sync user attributes"),
        col("allow_subdomains", ColType::Bool, false, "allow subdomains"),
        col("allow_idp_initiated", ColType::Bool, false, "allow idp initiated"),
        col("disable_additional_identifications", ColType::Bool, false, "disable additional identifications"),
        col("allow_organization_account_linking", ColType::Bool, false, "allow organization account linking"),
        col("force_authn", ColType::Bool, false, "enable or deactivate ForceAuthn"),
        col("login_hint", ColType::Jsonb, false, "configuration for the login_hint sent to the IdP on SSO sign-in"),
        col("enterprise_connection_id", ColType::Text, true, "enterprise connection id"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp of creation"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp of last update"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: Writes {
        insert: post("/saml_connections", &[
            same("name"),
            same("domain"),
            same("domains"),
            same("idp_entity_id"),
            same("idp_sso_url"),
            same("idp_certificate"),
            same("idp_metadata_url"),
            same("idp_metadata"),
            same("organization_id"),
            same("attribute_mapping"),
            same("provider"),
            same("force_authn"),
            same("login_hint"),
        ]),
        update: patch("/saml_connections/{saml_connection_id}", &[
            same("name"),
            same("domain"),
            same("domains"),
            same("idp_entity_id"),
            same("idp_sso_url"),
            same("idp_certificate"),
            same("idp_metadata_url"),
            same("idp_metadata"),
            same("organization_id"),
            same("attribute_mapping"),
            same("active"),
            same("sync_user_attributes"),
            same("allow_subdomains"),
            same("allow_idp_initiated"),
            same("disable_additional_identifications"),
            same("allow_organization_account_linking"),
            same("force_authn"),
            same("login_hint"),
        ]),
        delete: delete("/saml_connections/{saml_connection_id}"),
        update_extra: &[],
    },
    doc: "SAML connections of the instance (superseded by enterprise connections in newer instances).",
};


pub(crate) const ENTERPRISE_CONNECTIONS: ObjectSpec = ObjectSpec {
    table: "enterprise_connections",
    object: "enterprise_connections",
    noun: "enterprise connection",
    rows: Rows::Items,
    endpoints: &[
        one(
            "/enterprise_connections/{enterprise_connection_id}",
            &[id_bind("id", "enterprise_connection_id", "entconn_...")],
        ),
        Endpoint {
            filters: &[eq1("organization_id", "organization_id"), boolean("active", "active")],
            ..list("/enterprise_connections", Envelope::DataTotalCount)
        },
    ],
    columns: &[
        col("id", ColType::Text, false, "the enterprise connection ID"),
        col("name", ColType::Text, false, "the display name of the connection"),
        col("provider", ColType::Text, false, "provider"),
        col("logo_public_url", ColType::Text, true, "logo public url"),
        col("active", ColType::Bool, false, "whether the enterprise connection is active"),
        col("domains", ColType::Jsonb, false, "domains associated with the enterprise connection"),
        col("organization_id", ColType::Text, true, "organization ID when the connection is linked to an organization"),
        col("sync_user_attributes", ColType::Bool, true, "controls whether to update the user's attributes on each sign-in"),
        col("disable_additional_identifications", ColType::Bool, true, "when true, users cannot add additional identifications when using this connection"),
        col("allow_organization_account_linking", ColType::Bool, true, "whether this connection supports account linking via organization membership"),
        col("custom_attributes", ColType::Jsonb, true, "custom attributes to map from the IdP to the user's profile via SSO or SCIM provisioning"),
        col("saml_connection", ColType::Jsonb, true, "present when the enterprise connection uses SAML"),
        col("oauth_config", ColType::Jsonb, true, "present when the enterprise connection uses OIDC or EASIE"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp in milliseconds when the connection was created"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp in milliseconds when the connection was last updated"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: Writes {
        insert: post("/enterprise_connections", &[
            same("name"),
            same("provider"),
            same("active"),
            same("domains"),
            same("organization_id"),
            same("allow_organization_account_linking"),
            same("custom_attributes"),
        ]),
        update: patch("/enterprise_connections/{enterprise_connection_id}", &[
            same("name"),
            same("active"),
            same("domains"),
            same("organization_id"),
            same("sync_user_attributes"),
            same("disable_additional_identifications"),
            same("allow_organization_account_linking"),
            same("custom_attributes"),
        ]),
        delete: delete("/enterprise_connections/{enterprise_connection_id}"),
        update_extra: &[],
    },
    doc: "Enterprise SSO connections (SAML, OIDC) of the instance.",
};


pub(crate) const ENTERPRISE_CONNECTION_TEST_RUNS: ObjectSpec = ObjectSpec {
    table: "enterprise_connection_test_runs",
    object: "enterprise_connection_test_runs",
    noun: "test run",
    rows: Rows::Items,
    endpoints: &[Endpoint {
        binds: &[path_bind("enterprise_connection_id", "enterprise_connection_id", "entconn_...")],
        filters: &[eq("status", "status")],
        ..list("/enterprise_connections/{enterprise_connection_id}/test_runs", Envelope::DataTotalCount)
    }],
    columns: &[
        col("enterprise_connection_id", ColType::Text, false, "the connection asked for (`where enterprise_connection_id = ...`)"),
        col("id", ColType::Text, false, "the test run ID"),
        col("status", ColType::Text, false, "the status of the test run"),
        col("connection_type", ColType::Text, false, "the type of enterprise connection the test run was performed against"),
        col("parsed_user_info", ColType::Jsonb, true, "the user information parsed from the IdP response"),
        col("logs", ColType::Jsonb, true, "log entries captured during the test run"),
        col("saml", ColType::Jsonb, true, "SAML-specific metadata, present for SAML connections"),
        col("oauth", ColType::Jsonb, true, "OAuth-specific metadata, present for OIDC connections"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp in milliseconds when the test run was created"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: READ_ONLY,
    doc: "Test runs of an enterprise connection, by `enterprise_connection_id`.",
};


// SCIM provisioning: the same directories under their two names (Clerk
// renamed `scim_directories` to `directories`), with group-to-role
// mappings. The SCIM `api_key` is a credential: no column, not in `attrs`.

pub(crate) const DIRECTORIES: ObjectSpec = ObjectSpec {
    table: "directories",
    object: "directories",
    noun: "directory",
    rows: Rows::Items,
    endpoints: &[
        one("/directories/{directory_id}", &[id_bind("id", "directory_id", "dir_...")]),
        list("/directories", Envelope::DataTotalCount),
    ],
    columns: &[
        col("id", ColType::Text, false, "unique identifier for the directory"),
        col("name", ColType::Text, false, "A human-friendly name for the directory"),
        col("enterprise_connection_id", ColType::Text, true, "the ID of the associated enterprise connection"),
        col("endpoint_url", ColType::Text, false, "the provisioning endpoint URL for this directory"),
        col("provider", ColType::Text, false, "the identity provider for this directory"),
        col("enabled", ColType::Bool, false, "whether the directory is enabled"),
        col("group_role_mapping_enabled", ColType::Bool, false, "whether group-to-role mapping is enabled for this directory"),
        col("attribute_mapping", ColType::Jsonb, false, "mapping of user attributes to the directory attribute paths they are extracted from"),
        col("custom_attributes", ColType::Jsonb, true, "custom attributes to map from the IdP to the user's profile via directory sync"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp when the directory was created"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp when the directory was last updated"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &["api_key"],
    writes: READ_ONLY,
    doc: "SCIM directories provisioning users from an identity provider.",
};

pub(crate) const SCIM_DIRECTORIES: ObjectSpec = ObjectSpec {
    table: "scim_directories",
    object: "scim_directories",
    noun: "scim directory",
    rows: Rows::Items,
    endpoints: &[
        one("/scim_directories/{scim_directory_id}", &[id_bind("id", "scim_directory_id", "dir_...")]),
        list("/scim_directories", Envelope::DataTotalCount),
    ],
    columns: &[
        col("id", ColType::Text, false, "unique identifier for the directory"),
        col("name", ColType::Text, false, "A human-friendly name for the directory"),
        col("enterprise_connection_id", ColType::Text, true, "the ID of the associated enterprise connection"),
        col("endpoint_url", ColType::Text, false, "the SCIM endpoint URL for this directory"),
        col("provider", ColType::Text, false, "the identity provider for this directory"),
        col("enabled", ColType::Bool, false, "whether the directory is enabled"),
        col("group_role_mapping_enabled", ColType::Bool, false, "whether group-to-role mapping is enabled for this directory"),
        col("attribute_mapping", ColType::Jsonb, false, "mapping of user attributes to the SCIM attribute paths they are extracted from"),
        col("custom_attributes", ColType::Jsonb, true, "custom attributes to map from the IdP to the user's profile via SCIM provisioning"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp when the directory was created"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp when the directory was last updated"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &["api_key"],
    writes: READ_ONLY,
    doc: "SCIM directories under their older name (the same rows as `directories`).",
};

pub(crate) const DIRECTORY_GROUP_ROLE_MAPPINGS: ObjectSpec = ObjectSpec {
    table: "directory_group_role_mappings",
    object: "directory_group_role_mappings",
    noun: "group role mapping",
    rows: Rows::Items,
    endpoints: &[Endpoint {
        binds: &[path_bind("directory_id", "directory_id", "dir_...")],
        shape: Shape::Unpaged { envelope: Envelope::DataTotalCount },
        ..list("/directories/{directory_id}/group_role_mappings", Envelope::DataTotalCount)
    }],
    columns: &[
        col("id", ColType::Text, false, "unique identifier for the directory group role mapping"),
        col("directory_id", ColType::Text, false, "the ID of the directory this mapping belongs to"),
        col("scim_directory_id", ColType::Text, false, "the legacy name for directory_id. Carries the same value"),
        col("directory_group_id", ColType::Text, false, "the group ID from the identity provider"),
        col("scim_group_id", ColType::Text, false, "the legacy name for directory_group_id. Carries the same value"),
        col("directory_group_display_name", ColType::Text, false, "the display name of the group, as reported by the identity provider"),
        col("scim_group_display_name", ColType::Text, false, "the legacy name for directory_group_display_name. Carries the same value"),
        col("role", ColType::Jsonb, true, "role"),
        col("precedence", ColType::I64, false, "precedence"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp (milliseconds) of when the mapping was created"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp (milliseconds) of when the mapping was last updated"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: READ_ONLY,
    doc: "Mappings of a directory's IdP groups to organization roles, by `directory_id`.",
};

pub(crate) const SCIM_GROUP_ROLE_MAPPINGS: ObjectSpec = ObjectSpec {
    table: "scim_group_role_mappings",
    object: "scim_group_role_mappings",
    noun: "group role mapping",
    rows: Rows::Items,
    endpoints: &[Endpoint {
        binds: &[path_bind("scim_directory_id", "scim_directory_id", "dir_...")],
        shape: Shape::Unpaged { envelope: Envelope::DataTotalCount },
        ..list("/scim_directories/{scim_directory_id}/group_role_mappings", Envelope::DataTotalCount)
    }],
    columns: &[
        col("id", ColType::Text, false, "unique identifier for the SCIM group role mapping"),
        col("scim_directory_id", ColType::Text, false, "the ID of the directory this mapping belongs to"),
        col("directory_id", ColType::Text, false, "the ID of the directory this mapping belongs to"),
        col("scim_group_id", ColType::Text, false, "the SCIM group ID from the identity provider"),
        col("directory_group_id", ColType::Text, false, "the group ID from the identity provider"),
        col("scim_group_display_name", ColType::Text, false, "the display name of the SCIM group, as reported by the identity provider"),
        col("directory_group_display_name", ColType::Text, false, "the display name of the group, as reported by the identity provider"),
        col("role", ColType::Jsonb, true, "role"),
        col("precedence", ColType::I64, false, "precedence"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp (milliseconds) of when the mapping was created"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp (milliseconds) of when the mapping was last updated"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: READ_ONLY,
    doc: "Group role mappings under their older name, by `scim_directory_id`.",
};
