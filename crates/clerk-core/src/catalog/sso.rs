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
    doc: "Enterprise SSO connections (SAML, OIDC) of the instance.",
};
