//! The instance and its configuration lists: allow-list and block-list
//! identifiers, domains, instance invitations, JWT templates, OAuth
//! applications, redirect URLs, email and SMS templates.

use super::*;

pub(crate) const ALLOWLIST_IDENTIFIERS: ObjectSpec = ObjectSpec {
    table: "allowlist_identifiers",
    object: "allowlist_identifiers",
    noun: "allow-list identifier",
    rows: Rows::Items,
    endpoints: &[list("/allowlist_identifiers", Envelope::BareArray)],
    columns: &[
        col("id", ColType::Text, true, "identifier id (`alid_...`)"),
        col("invitation_id", ColType::Text, true, "invitation id"),
        col("identifier", ColType::Text, true, "an email address or a phone number"),
        col("identifier_type", ColType::Text, true, "identifier type"),
        col("instance_id", ColType::Text, true, "instance id"),
        col("created_at", ColType::Timestamptz, true, "unix timestamp of creation"),
        col("updated_at", ColType::Timestamptz, true, "unix timestamp of last update"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: Writes {
        insert: post("/allowlist_identifiers", &[
            same("identifier"),
        ]),
        update: None,
        delete: delete("/allowlist_identifiers/{identifier_id}"),
        update_extra: &[],
    },
    doc: "Identifiers (emails, phone numbers, domains) allowed to sign up.",
};

pub(crate) const BLOCKLIST_IDENTIFIERS: ObjectSpec = ObjectSpec {
    table: "blocklist_identifiers",
    object: "blocklist_identifiers",
    noun: "block-list identifier",
    rows: Rows::Items,
    endpoints: &[Endpoint {
        shape: Shape::Unpaged { envelope: Envelope::DataTotalCount },
        ..list("/blocklist_identifiers", Envelope::DataTotalCount)
    }],
    columns: &[
        col("id", ColType::Text, true, "identifier id (`blid_...`)"),
        col("identifier", ColType::Text, true, "an email address, email domain, phone number or web3 wallet"),
        col("identifier_type", ColType::Text, true, "identifier type"),
        col("instance_id", ColType::Text, true, "instance id"),
        col("created_at", ColType::Timestamptz, true, "unix timestamp of creation"),
        col("updated_at", ColType::Timestamptz, true, "unix timestamp of last update"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: Writes {
        insert: post("/blocklist_identifiers", &[
            same("identifier"),
        ]),
        update: None,
        delete: delete("/blocklist_identifiers/{identifier_id}"),
        update_extra: &[],
    },
    doc: "Identifiers that may not sign up or sign in.",
};

pub(crate) const DOMAINS: ObjectSpec = ObjectSpec {
    table: "domains",
    object: "domains",
    noun: "domain",
    rows: Rows::Items,
    endpoints: &[Endpoint {
        shape: Shape::Unpaged { envelope: Envelope::DataTotalCount },
        ..list("/domains", Envelope::DataTotalCount)
    }],
    columns: &[
        col("id", ColType::Text, false, "domain id (`dmn_...`)"),
        col("name", ColType::Text, false, "name"),
        col("is_satellite", ColType::Bool, false, "is satellite"),
        col("frontend_api_url", ColType::Text, false, "frontend api url"),
        col("accounts_portal_url", ColType::Text, true, "null for satellite domains"),
        col("proxy_url", ColType::Text, true, "proxy url"),
        col("development_origin", ColType::Text, false, "development origin"),
        col("cname_targets", ColType::Jsonb, true, "cname targets"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: Writes {
        insert: post("/domains", &[
            same("name"),
            same("is_satellite"),
            same("proxy_url"),
        ]),
        update: patch("/domains/{domain_id}", &[
            same("name"),
            same("proxy_url"),
        ]),
        delete: delete("/domains/{domain_id}"),
        update_extra: &[],
    },
    doc: "Domains of the instance (primary and satellites).",
};

pub(crate) const INVITATIONS: ObjectSpec = ObjectSpec {
    table: "invitations",
    object: "invitations",
    noun: "invitation",
    rows: Rows::Items,
    endpoints: &[Endpoint {
        filters: &[eq1("status", "status"), search("email_address", "query")],
        order_by: &[
            total_order("created_at", "created_at"),
            partial_order("email_address", "email_address"),
            partial_order("expires_at", "expires_at"),
        ],
        default_order: Some("-created_at"),
        ..list("/invitations", Envelope::BareArray)
    }],
    columns: &[
        col("id", ColType::Text, false, "invitation id (`inv_...`)"),
        col("email_address", ColType::Text, false, "email address"),
        col("public_metadata", ColType::Jsonb, false, "public metadata"),
        col("revoked", ColType::Bool, true, "revoked"),
        col("status", ColType::Text, false, "status"),
        col("url", ColType::Text, true, "url"),
        col("expires_at", ColType::Timestamptz, true, "unix timestamp of expiration"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp of creation"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp of last update"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: Writes {
        insert: post("/invitations", &[
            same("email_address"),
            same("public_metadata"),
        ]),
        update: None,
        // DELETE revokes: the invitation stays, with status revoked.
        delete: revoke("/invitations/{invitation_id}/revoke"),
        update_extra: &[],
    },
    doc: "Invitations to sign up to the instance.",
};

pub(crate) const JWT_TEMPLATES: ObjectSpec = ObjectSpec {
    table: "jwt_templates",
    object: "jwt_templates",
    noun: "jwt template",
    rows: Rows::Items,
    endpoints: &[
        one("/jwt_templates/{template_id}", &[id_bind("id", "template_id", "jtmp_...")]),
        list("/jwt_templates", Envelope::BareArray),
    ],
    columns: &[
        col("id", ColType::Text, false, "template id"),
        col("name", ColType::Text, false, "name"),
        col("claims", ColType::Jsonb, false, "claims"),
        col("lifetime", ColType::I64, false, "lifetime"),
        col("allowed_clock_skew", ColType::I64, false, "allowed clock skew"),
        col("custom_signing_key", ColType::Bool, false, "custom signing key"),
        col("signing_algorithm", ColType::Text, false, "signing algorithm"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp of creation"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp of last update"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: Writes {
        insert: post("/jwt_templates", &[
            same("name"),
            same("claims"),
            same("lifetime"),
            same("allowed_clock_skew"),
            same("custom_signing_key"),
            same("signing_algorithm"),
        ]),
        update: patch("/jwt_templates/{template_id}", &[
            same("name"),
            same("claims"),
            same("lifetime"),
            same("allowed_clock_skew"),
            same("custom_signing_key"),
            same("signing_algorithm"),
        ]),
        delete: delete("/jwt_templates/{template_id}"),
        update_extra: &[],
    },
    doc: "JWT templates for session tokens.",
};

pub(crate) const OAUTH_APPLICATIONS: ObjectSpec = ObjectSpec {
    table: "oauth_applications",
    object: "oauth_applications",
    noun: "oauth application",
    rows: Rows::Items,
    endpoints: &[
        one(
            "/oauth_applications/{oauth_application_id}",
            &[id_bind("id", "oauth_application_id", "oa_...")],
        ),
        Endpoint {
            filters: &[contains("name", "name_query")],
            order_by: &[total_order("created_at", "created_at"), partial_order("name", "name")],
            default_order: Some("+created_at"),
            ..list("/oauth_applications", Envelope::DataTotalCount)
        },
    ],
    columns: &[
        col("id", ColType::Text, false, "oauth application id"),
        col("instance_id", ColType::Text, false, "instance id"),
        col("name", ColType::Text, false, "name"),
        col("client_id", ColType::Text, false, "client id"),
        col("client_uri", ColType::Text, true, "client uri"),
        col("client_image_url", ColType::Text, true, "client image url"),
        col("dynamically_registered", ColType::Bool, false, "dynamically registered"),
        col("consent_screen_enabled", ColType::Bool, false, "consent screen enabled"),
        col("pkce_required", ColType::Bool, false, "pkce required"),
        col("public", ColType::Bool, false, "public"),
        col("scopes", ColType::Text, false, "scopes"),
        col("redirect_uris", ColType::Jsonb, false, "redirect uris"),
        col("callback_url", ColType::Text, false, "deprecated: Use redirect_uris instead"),
        col("authorize_url", ColType::Text, false, "authorize url"),
        col("token_fetch_url", ColType::Text, false, "token fetch url"),
        col("user_info_url", ColType::Text, false, "user info url"),
        col("discovery_url", ColType::Text, false, "discovery url"),
        col("token_introspection_url", ColType::Text, false, "token introspection url"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp of creation"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp of last update"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: Writes {
        insert: post("/oauth_applications", &[
            same("name"),
            same("consent_screen_enabled"),
            same("pkce_required"),
            same("public"),
            same("scopes"),
            same("redirect_uris"),
            same("callback_url"),
        ]),
        update: patch("/oauth_applications/{oauth_application_id}", &[
            same("name"),
            same("consent_screen_enabled"),
            same("pkce_required"),
            same("public"),
            same("scopes"),
            same("redirect_uris"),
            same("callback_url"),
        ]),
        delete: delete("/oauth_applications/{oauth_application_id}"),
        update_extra: &[],
    },
    doc: "OAuth applications for which the instance is the identity provider.",
};

pub(crate) const REDIRECT_URLS: ObjectSpec = ObjectSpec {
    table: "redirect_urls",
    object: "redirect_urls",
    noun: "redirect url",
    rows: Rows::Items,
    endpoints: &[
        one("/redirect_urls/{id}", &[id_bind("id", "id", "redir_...")]),
        list("/redirect_urls", Envelope::BareArray),
    ],
    columns: &[
        col("id", ColType::Text, false, "redirect url id"),
        col("url", ColType::Text, false, "url"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp of creation"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp of last update"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: Writes {
        insert: post("/redirect_urls", &[
            same("url"),
        ]),
        update: None,
        delete: delete("/redirect_urls/{id}"),
        update_extra: &[],
    },
    doc: "Redirect URLs allowed for native and mobile sign-in flows.",
};


pub(crate) const INSTANCE: ObjectSpec = ObjectSpec {
    table: "instance",
    object: "instance",
    noun: "instance",
    rows: Rows::Items,
    endpoints: &[one("/instance", &[])],
    columns: &[
        col("id", ColType::Text, false, "id"),
        col("environment_type", ColType::Text, false, "environment type"),
        col("allowed_origins", ColType::Jsonb, true, "allowed origins"),
        col("workspace_id", ColType::Text, true, "the ID of the Clerk workspace that owns the instance's application"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: READ_ONLY,
    doc: "The Clerk instance itself: one row.",
};

pub(crate) const TEMPLATES: ObjectSpec = ObjectSpec {
    table: "templates",
    object: "templates",
    noun: "template",
    rows: Rows::Items,
    endpoints: &[
        one(
            "/templates/{template_type}/{slug}",
            &[
                path_bind("template_type", "template_type", "email"),
                id_bind("slug", "slug", "verification_code"),
            ],
        ),
        Endpoint {
            binds: &[path_bind("template_type", "template_type", "email")],
            ..list("/templates/{template_type}", Envelope::BareArray)
        },
    ],
    columns: &[
        col("id", ColType::Text, true, "id"),
        col("instance_id", ColType::Text, true, "the ID of the instance to which the template belongs"),
        col("resource_type", ColType::Text, true, "whether this is a system (default) or user overridden) template"),
        col("template_type", ColType::Text, true, "whether this is an email or SMS template"),
        col("name", ColType::Text, true, "user-friendly name of the template"),
        col("slug", ColType::Text, true, "machine-friendly name of the template"),
        col("position", ColType::I64, true, "position with the listing of templates"),
        col("can_revert", ColType::Bool, true, "whether this template can be reverted to the corresponding system default"),
        col("can_delete", ColType::Bool, true, "whether this template can be deleted"),
        col("can_edit_body", ColType::Bool, true, "whether the body of this template can be edited"),
        col("can_toggle", ColType::Bool, true, "whether this template can be enabled or disabled, true only for notification SMS templates"),
        col("subject", ColType::Text, true, "email subject"),
        col("markup", ColType::Text, true, "the editor markup used to generate the body of the template"),
        col("body", ColType::Text, true, "the template body before variable interpolation"),
        col("available_variables", ColType::Jsonb, true, "list of variables that are available for use in the template body"),
        col("required_variables", ColType::Jsonb, true, "list of variables that must be contained in the template body"),
        col("from_email_name", ColType::Text, true, "from email name"),
        col("reply_to_email_name", ColType::Text, true, "reply to email name"),
        col("delivered_by_clerk", ColType::Bool, true, "delivered by clerk"),
        col("enabled", ColType::Bool, true, "enabled"),
        col("flagged_as_suspicious", ColType::Bool, true, "flagged as suspicious"),
        col("updated_at", ColType::Timestamptz, true, "unix timestamp of last update"),
        col("created_at", ColType::Timestamptz, true, "unix timestamp of creation"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: READ_ONLY,
    doc: "Email and SMS templates, by `template_type` ('email' or 'sms').",
};


pub(crate) const INSTANCE_PROTECT: ObjectSpec = ObjectSpec {
    table: "instance_protect",
    object: "instance_protect",
    noun: "protect settings",
    rows: Rows::Items,
    endpoints: &[one("/instance/protect", &[])],
    columns: &[
        col("rules_enabled", ColType::Bool, false, "rules enabled"),
        col("specter_enabled", ColType::Bool, false, "specter enabled"),
        col("checks_bypassed", ColType::Bool, false, "checks bypassed"),
        attrs(),
    ],
    rowid: None,
    hidden: &[],
    writes: READ_ONLY,
    doc: "The instance's bot and abuse protection settings: one row.",
};

pub(crate) const INSTANCE_COMMUNICATION: ObjectSpec = ObjectSpec {
    table: "instance_communication",
    object: "instance_communication",
    noun: "communication settings",
    rows: Rows::Items,
    endpoints: &[one("/instance/communication", &[])],
    columns: &[
        col("blocked_country_codes", ColType::Jsonb, false, "ISO 3166-1 alpha-2 country codes that are blocked for SMS delivery on this instance"),
        attrs(),
    ],
    rowid: None,
    hidden: &[],
    writes: READ_ONLY,
    doc: "The instance's SMS and email communication settings: one row.",
};

pub(crate) const INSTANCE_OAUTH_APPLICATION_SETTINGS: ObjectSpec = ObjectSpec {
    table: "instance_oauth_application_settings",
    object: "instance_oauth_application_settings",
    noun: "oauth application settings",
    rows: Rows::Items,
    endpoints: &[one("/instance/oauth_application_settings", &[])],
    columns: &[
        col("dynamic_oauth_client_registration", ColType::Bool, false, "whether dynamic OAuth client registration is enabled for the instance (RFC 7591)"),
        col("default_scopes", ColType::Jsonb, true, "default scopes"),
        col("oauth_jwt_access_tokens", ColType::Bool, false, "oauth jwt access tokens"),
        col("client_id_metadata_documents_advertised", ColType::Bool, false, "client id metadata documents advertised"),
        col("client_id_metadata_documents_only_allow_pre_registered_clients", ColType::Bool, false, "when true, new unknown CIMD clients are rejected"),
        col("client_id_metadata_documents_block_implicitly_allowed_clients", ColType::Bool, false, "when true, recorded implicitly allowed CIMD clients are rejected on future client lookups"),
        attrs(),
    ],
    rowid: None,
    hidden: &[],
    writes: READ_ONLY,
    doc: "The instance's settings for OAuth applications: one row.",
};

pub(crate) const INSTANCE_ORGANIZATION_SETTINGS: ObjectSpec = ObjectSpec {
    table: "instance_organization_settings",
    object: "instance_organization_settings",
    noun: "organization settings",
    rows: Rows::Items,
    endpoints: &[one("/instance/organization_settings", &[])],
    columns: &[
        col("enabled", ColType::Bool, false, "enabled"),
        col("max_allowed_memberships", ColType::I64, false, "max allowed memberships"),
        col("max_allowed_roles", ColType::I64, false, "max allowed roles"),
        col("max_role_sets_allowed", ColType::I64, true, "max role sets allowed"),
        col("max_allowed_domains", ColType::I64, false, "max allowed domains"),
        col("max_allowed_permissions", ColType::I64, true, "max_allowed_permissions is now a no-op, as permissions are now unlimited"),
        col("creator_role", ColType::Text, false, "the role key that a user will be assigned after creating an organization"),
        col("admin_delete_enabled", ColType::Bool, false, "the default for whether an admin can delete an organization with the Frontend API"),
        col("domains_enabled", ColType::Bool, false, "domains enabled"),
        col("slug_disabled", ColType::Bool, true, "slug disabled"),
        col("domains_enrollment_modes", ColType::Jsonb, false, "domains enrollment modes"),
        col("domains_default_role", ColType::Text, false, "domains default role"),
        col("initial_role_set_key", ColType::Text, true, "the role set key that it will be used to create new organizations"),
        attrs(),
    ],
    rowid: None,
    hidden: &[],
    writes: READ_ONLY,
    doc: "The instance's organization settings (limits, roles, domains): one row.",
};

pub(crate) const JWKS: ObjectSpec = ObjectSpec {
    table: "jwks",
    object: "jwks",
    noun: "json web key set",
    rows: Rows::Items,
    endpoints: &[one("/jwks", &[])],
    columns: &[
        col("keys", ColType::Jsonb, true, "keys"),
        attrs(),
    ],
    rowid: None,
    hidden: &[],
    writes: READ_ONLY,
    doc: "The instance's JSON Web Key Set (public keys verifying session tokens): one row.",
};

pub(crate) const SIGN_UPS: ObjectSpec = ObjectSpec {
    table: "sign_ups",
    object: "sign_ups",
    noun: "sign-up",
    rows: Rows::Items,
    endpoints: &[one("/sign_ups/{id}", &[path_bind("id", "id", "sua_...")])],
    columns: &[
        col("id", ColType::Text, false, "id"),
        col("status", ColType::Text, false, "status"),
        col("required_fields", ColType::Jsonb, false, "required fields"),
        col("optional_fields", ColType::Jsonb, false, "optional fields"),
        col("missing_fields", ColType::Jsonb, false, "missing fields"),
        col("unverified_fields", ColType::Jsonb, false, "unverified fields"),
        col("verifications", ColType::Jsonb, false, "verifications"),
        col("username", ColType::Text, true, "username"),
        col("email_address", ColType::Text, true, "email address"),
        col("phone_number", ColType::Text, true, "phone number"),
        col("web3_wallet", ColType::Text, true, "web3 wallet"),
        col("password_enabled", ColType::Bool, false, "password enabled"),
        col("first_name", ColType::Text, true, "first name"),
        col("last_name", ColType::Text, true, "last name"),
        col("unsafe_metadata", ColType::Jsonb, true, "unsafe metadata"),
        col("public_metadata", ColType::Jsonb, true, "public metadata"),
        col("custom_action", ColType::Bool, false, "custom action"),
        col("external_id", ColType::Text, true, "external id"),
        col("created_session_id", ColType::Text, true, "created session id"),
        col("created_user_id", ColType::Text, true, "created user id"),
        col("abandon_at", ColType::Timestamptz, false, "unix timestamp at which the user abandoned the sign up attempt"),
        col("legal_accepted_at", ColType::Timestamptz, true, "unix timestamp at which the user accepted the legal requirements"),
        col("locale", ColType::Text, true, "the user locale preference for the sign-up specified as a BCP-47 language tag"),
        col("external_account", ColType::Jsonb, true, "external account"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: READ_ONLY,
    doc: "Sign-up attempts, by `id` (Clerk lists none).",
};
