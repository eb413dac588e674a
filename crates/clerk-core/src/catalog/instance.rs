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
    writes: READ_ONLY,
    doc: "Email and SMS templates, by `template_type` ('email' or 'sms').",
};
