//! The coverage list: every Backend API operation the emulator is meant to
//! serve (issue 3's resource list), with the spec's method and path template
//! (relative to `/v1`) and whether the emulator serves it yet.
//!
//! The conformance test (`tests/conformance.rs`) holds this list to the
//! vendored spec: every entry must be an operation of the spec with the same
//! method and path, every `Served` entry must be routed by `app()`, and every
//! `Pending` entry must not be (so the list cannot claim more or less than
//! the router does). Path parameter names are the spec's own.

/// Whether the emulator answers an operation yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Served,
    Pending,
}

/// One operation: method, spec path template, status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    pub status: Status,
}

const fn op(method: &'static str, path: &'static str, status: Status) -> Operation {
    Operation {
        method,
        path,
        status,
    }
}

use Status::Served;

pub const OPERATIONS: &[Operation] = &[
    // Users
    op("GET", "/users", Served),
    op("POST", "/users", Served),
    op("GET", "/users/count", Served),
    op("GET", "/users/{user_id}", Served),
    op("PATCH", "/users/{user_id}", Served),
    op("DELETE", "/users/{user_id}", Served),
    op("POST", "/users/{user_id}/ban", Served),
    op("POST", "/users/{user_id}/unban", Served),
    op("POST", "/users/{user_id}/lock", Served),
    op("POST", "/users/{user_id}/unlock", Served),
    op("PATCH", "/users/{user_id}/metadata", Served),
    op("PUT", "/users/{user_id}/metadata", Served),
    op("GET", "/users/{user_id}/organization_memberships", Served),
    op("GET", "/users/{user_id}/organization_invitations", Served),
    op("GET", "/users/{user_id}/billing/subscription", Served),
    op("GET", "/users/{user_id}/billing/credits", Served),
    op(
        "GET",
        "/users/{user_id}/oauth_access_tokens/{provider}",
        Served,
    ),
    op("GET", "/users/{user_id}/trusted_devices", Served),
    // Organizations
    op("GET", "/organizations", Served),
    op("POST", "/organizations", Served),
    op("GET", "/organizations/{organization_id}", Served),
    op("PATCH", "/organizations/{organization_id}", Served),
    op("DELETE", "/organizations/{organization_id}", Served),
    op("PATCH", "/organizations/{organization_id}/metadata", Served),
    op("PUT", "/organizations/{organization_id}/metadata", Served),
    op(
        "GET",
        "/organizations/{organization_id}/billing/subscription",
        Served,
    ),
    op(
        "GET",
        "/organizations/{organization_id}/billing/credits",
        Served,
    ),
    // Organization memberships
    op(
        "GET",
        "/organizations/{organization_id}/memberships",
        Served,
    ),
    op(
        "POST",
        "/organizations/{organization_id}/memberships",
        Served,
    ),
    op(
        "PATCH",
        "/organizations/{organization_id}/memberships/{user_id}",
        Served,
    ),
    op(
        "DELETE",
        "/organizations/{organization_id}/memberships/{user_id}",
        Served,
    ),
    op(
        "PATCH",
        "/organizations/{organization_id}/memberships/{user_id}/metadata",
        Served,
    ),
    op("GET", "/organization_memberships", Served),
    // Organization invitations
    op(
        "GET",
        "/organizations/{organization_id}/invitations",
        Served,
    ),
    op(
        "POST",
        "/organizations/{organization_id}/invitations",
        Served,
    ),
    op(
        "POST",
        "/organizations/{organization_id}/invitations/bulk",
        Served,
    ),
    op(
        "GET",
        "/organizations/{organization_id}/invitations/pending",
        Served,
    ),
    op(
        "GET",
        "/organizations/{organization_id}/invitations/{invitation_id}",
        Served,
    ),
    op(
        "POST",
        "/organizations/{organization_id}/invitations/{invitation_id}/revoke",
        Served,
    ),
    op("GET", "/organization_invitations", Served),
    // Organization domains
    op("GET", "/organizations/{organization_id}/domains", Served),
    op("POST", "/organizations/{organization_id}/domains", Served),
    op(
        "PATCH",
        "/organizations/{organization_id}/domains/{domain_id}",
        Served,
    ),
    op(
        "DELETE",
        "/organizations/{organization_id}/domains/{domain_id}",
        Served,
    ),
    op("GET", "/organization_domains", Served),
    // Invitations
    op("GET", "/invitations", Served),
    op("POST", "/invitations", Served),
    op("POST", "/invitations/bulk", Served),
    op("POST", "/invitations/{invitation_id}/revoke", Served),
    // Allow-list / block-list
    op("GET", "/allowlist_identifiers", Served),
    op("POST", "/allowlist_identifiers", Served),
    op("DELETE", "/allowlist_identifiers/{identifier_id}", Served),
    op("GET", "/blocklist_identifiers", Served),
    op("POST", "/blocklist_identifiers", Served),
    op("DELETE", "/blocklist_identifiers/{identifier_id}", Served),
    // Domains
    op("GET", "/domains", Served),
    op("POST", "/domains", Served),
    op("PATCH", "/domains/{domain_id}", Served),
    op("DELETE", "/domains/{domain_id}", Served),
    // JWT templates
    op("GET", "/jwt_templates", Served),
    op("POST", "/jwt_templates", Served),
    op("GET", "/jwt_templates/{template_id}", Served),
    op("PATCH", "/jwt_templates/{template_id}", Served),
    op("DELETE", "/jwt_templates/{template_id}", Served),
    // OAuth applications
    op("GET", "/oauth_applications", Served),
    op("POST", "/oauth_applications", Served),
    op("GET", "/oauth_applications/{oauth_application_id}", Served),
    op(
        "PATCH",
        "/oauth_applications/{oauth_application_id}",
        Served,
    ),
    op(
        "DELETE",
        "/oauth_applications/{oauth_application_id}",
        Served,
    ),
    op(
        "POST",
        "/oauth_applications/{oauth_application_id}/rotate_secret",
        Served,
    ),
    // Redirect URLs
    op("GET", "/redirect_urls", Served),
    op("POST", "/redirect_urls", Served),
    op("GET", "/redirect_urls/{id}", Served),
    op("DELETE", "/redirect_urls/{id}", Served),
    // SAML connections
    op("GET", "/saml_connections", Served),
    op("POST", "/saml_connections", Served),
    op("GET", "/saml_connections/{saml_connection_id}", Served),
    op("PATCH", "/saml_connections/{saml_connection_id}", Served),
    op("DELETE", "/saml_connections/{saml_connection_id}", Served),
    // Enterprise connections
    op("GET", "/enterprise_connections", Served),
    op("POST", "/enterprise_connections", Served),
    op(
        "GET",
        "/enterprise_connections/{enterprise_connection_id}",
        Served,
    ),
    op(
        "PATCH",
        "/enterprise_connections/{enterprise_connection_id}",
        Served,
    ),
    op(
        "DELETE",
        "/enterprise_connections/{enterprise_connection_id}",
        Served,
    ),
    op(
        "GET",
        "/enterprise_connections/{enterprise_connection_id}/test_runs",
        Served,
    ),
    // Sessions
    op("GET", "/sessions", Served),
    op("POST", "/sessions", Served),
    op("GET", "/sessions/{session_id}", Served),
    op("POST", "/sessions/{session_id}/revoke", Served),
    // Clients
    op("GET", "/clients", Served),
    op("GET", "/clients/{client_id}", Served),
    // Email addresses
    op("POST", "/email_addresses", Served),
    op("GET", "/email_addresses/{email_address_id}", Served),
    op("PATCH", "/email_addresses/{email_address_id}", Served),
    op("DELETE", "/email_addresses/{email_address_id}", Served),
    // Phone numbers
    op("POST", "/phone_numbers", Served),
    op("GET", "/phone_numbers/{phone_number_id}", Served),
    op("PATCH", "/phone_numbers/{phone_number_id}", Served),
    op("DELETE", "/phone_numbers/{phone_number_id}", Served),
    // Waitlist entries
    op("GET", "/waitlist_entries", Served),
    op("POST", "/waitlist_entries", Served),
    op("POST", "/waitlist_entries/bulk", Served),
    op("DELETE", "/waitlist_entries/{waitlist_entry_id}", Served),
    op(
        "POST",
        "/waitlist_entries/{waitlist_entry_id}/invite",
        Served,
    ),
    op(
        "POST",
        "/waitlist_entries/{waitlist_entry_id}/reject",
        Served,
    ),
    // Organization roles and permissions (RBAC)
    op("GET", "/organization_roles", Served),
    op("POST", "/organization_roles", Served),
    op("GET", "/organization_roles/{organization_role_id}", Served),
    op(
        "PATCH",
        "/organization_roles/{organization_role_id}",
        Served,
    ),
    op(
        "DELETE",
        "/organization_roles/{organization_role_id}",
        Served,
    ),
    op(
        "POST",
        "/organization_roles/{organization_role_id}/permissions/{permission_id}",
        Served,
    ),
    op(
        "DELETE",
        "/organization_roles/{organization_role_id}/permissions/{permission_id}",
        Served,
    ),
    op("GET", "/organization_permissions", Served),
    op("POST", "/organization_permissions", Served),
    op("GET", "/organization_permissions/{permission_id}", Served),
    op("PATCH", "/organization_permissions/{permission_id}", Served),
    op(
        "DELETE",
        "/organization_permissions/{permission_id}",
        Served,
    ),
    // Role sets
    op("GET", "/role_sets", Served),
    op("POST", "/role_sets", Served),
    op("GET", "/role_sets/{role_set_key_or_id}", Served),
    op("PATCH", "/role_sets/{role_set_key_or_id}", Served),
    op("POST", "/role_sets/{role_set_key_or_id}/replace", Served),
    op("POST", "/role_sets/{role_set_key_or_id}/roles", Served),
    op(
        "POST",
        "/role_sets/{role_set_key_or_id}/roles/replace",
        Served,
    ),
    // Machines
    op("GET", "/machines", Served),
    op("POST", "/machines", Served),
    op("GET", "/machines/{machine_id}", Served),
    op("PATCH", "/machines/{machine_id}", Served),
    op("DELETE", "/machines/{machine_id}", Served),
    op("GET", "/machines/{machine_id}/secret_key", Served),
    op("POST", "/machines/{machine_id}/secret_key/rotate", Served),
    op("POST", "/machines/{machine_id}/scopes", Served),
    op(
        "DELETE",
        "/machines/{machine_id}/scopes/{other_machine_id}",
        Served,
    ),
    // API keys and M2M tokens
    op("GET", "/api_keys", Served),
    op("POST", "/api_keys", Served),
    op("GET", "/api_keys/{apiKeyID}", Served),
    op("PATCH", "/api_keys/{apiKeyID}", Served),
    op("DELETE", "/api_keys/{apiKeyID}", Served),
    op("GET", "/api_keys/{apiKeyID}/secret", Served),
    op("POST", "/api_keys/{apiKeyID}/revoke", Served),
    op("GET", "/m2m_tokens", Served),
    op("POST", "/m2m_tokens", Served),
    op("POST", "/m2m_tokens/{m2m_token_id}/revoke", Served),
    // Billing
    op("GET", "/billing/plans", Served),
    op("GET", "/billing/prices", Served),
    op("GET", "/billing/subscription_items", Served),
    op(
        "DELETE",
        "/billing/subscription_items/{subscription_item_id}",
        Served,
    ),
    op(
        "POST",
        "/billing/subscription_items/{subscription_item_id}/extend_free_trial",
        Served,
    ),
    op("GET", "/billing/statements", Served),
    op("GET", "/billing/statements/{statementID}", Served),
    op(
        "GET",
        "/billing/statements/{statementID}/payment_attempts",
        Served,
    ),
    // Email and SMS templates
    op("GET", "/templates/{template_type}", Served),
    op("GET", "/templates/{template_type}/{slug}", Served),
    // Instance settings
    op("GET", "/instance", Served),
    op("GET", "/instance/protect", Served),
    op("GET", "/instance/communication", Served),
    op("GET", "/instance/oauth_application_settings", Served),
    op("GET", "/instance/organization_settings", Served),
    // JWKS
    op("GET", "/jwks", Served),
    // Sign-ups
    op("GET", "/sign_ups/{id}", Served),
    // SCIM directories (the older name of directories)
    op("GET", "/scim_directories", Served),
    op("GET", "/scim_directories/{scim_directory_id}", Served),
    op(
        "GET",
        "/scim_directories/{scim_directory_id}/group_role_mappings",
        Served,
    ),
    // Directories
    op("GET", "/directories", Served),
    op("GET", "/directories/{directory_id}", Served),
    op(
        "GET",
        "/directories/{directory_id}/group_role_mappings",
        Served,
    ),
];
