//! Users (`GET /users`, `GET /users/{user_id}`) and the child tables
//! un-nested from them (email addresses, phone numbers, web3 wallets,
//! passkeys, external and enterprise accounts), so that people join
//! instead of digging in JSON; and the OAuth access tokens of a user's
//! external accounts.

use super::*;

pub(crate) const USERS: ObjectSpec = ObjectSpec {
    table: "users",
    object: "users",
    noun: "user",
    rows: Rows::Items,
    endpoints: &[
        one("/users/{user_id}", &[id_bind("id", "user_id", "user_...")]),
        Endpoint {
            path: "/users",
            binds: &[],
            shape: Shape::Paged { envelope: Envelope::BareArray, page_size_max: 500 },
            fixed_query: &[],
            filters: &[
                ids("id", "user_id"),
                ids("external_id", "external_id"),
                // Clerk normalises usernames, phone numbers and emails before
                // matching, so these return a superset that Postgres narrows.
                FilterSpec { exact: false, ..eq("username", "username") },
                // `email_address` matches any of the user's addresses, not
                // only the primary one the `email` column shows.
                FilterSpec { exact: false, ..eq("email", "email_address") },
                FilterSpec { exact: false, ..eq("phone", "phone_number") },
                boolean("banned", "banned"),
                window("created_at", "created_at_after", "created_at_before"),
                window("last_active_at", "last_active_at_after", "last_active_at_before"),
                window("last_sign_in_at", "last_sign_in_at_after", "last_sign_in_at_before"),
                // LIKE / ILIKE as Clerk's case-insensitive substring search.
                contains("email", "email_address_query"),
                contains("phone", "phone_number_query"),
                contains("username", "username_query"),
                contains("first_name", "name_query"),
                contains("last_name", "name_query"),
            ],
            order_by: &[
                total_order("created_at", "created_at"),
                total_order("updated_at", "updated_at"),
                partial_order("email", "email_address"),
                partial_order("first_name", "first_name"),
                partial_order("last_name", "last_name"),
                partial_order("phone", "phone_number"),
                partial_order("username", "username"),
                partial_order("last_active_at", "last_active_at"),
                partial_order("last_sign_in_at", "last_sign_in_at"),
            ],
            default_order: Some("-created_at"),
            // Clerk has no updated_at filter, but sorts by it.
            sorted_windows: &[SortedWindow { column: "updated_at", field: "updated_at" }],
        },
    ],
    columns: &[
        col("id", ColType::Text, false, "user id (`user_...`)"),
        col("external_id", ColType::Text, true, "id of the user in an external system"),
        col("username", ColType::Text, true, "username"),
        col("first_name", ColType::Text, true, "first name"),
        col("last_name", ColType::Text, true, "last name"),
        ColumnSpec {
            name: "email",
            ty: ColType::Text,
            source: Source::PrimaryOf {
                list: "email_addresses",
                id_key: "primary_email_address_id",
                value_key: "email_address",
            },
            nullable: true,
            needs_param: None,
            doc: "primary email address",
        },
        col("primary_email_address_id", ColType::Text, true, "id of the primary email address"),
        ColumnSpec {
            name: "phone",
            ty: ColType::Text,
            source: Source::PrimaryOf {
                list: "phone_numbers",
                id_key: "primary_phone_number_id",
                value_key: "phone_number",
            },
            nullable: true,
            needs_param: None,
            doc: "primary phone number",
        },
        col("primary_phone_number_id", ColType::Text, true, "id of the primary phone number"),
        col("image_url", ColType::Text, true, "profile image url"),
        col("has_image", ColType::Bool, false, "whether the user uploaded a profile image"),
        col("banned", ColType::Bool, false, "whether the user is banned"),
        col("locked", ColType::Bool, false, "whether the user is locked out"),
        col("last_sign_in_at", ColType::Timestamptz, true, "last sign-in time"),
        col("last_active_at", ColType::Timestamptz, true, "last activity (day precision)"),
        col("public_metadata", ColType::Jsonb, false, "public metadata"),
        col("private_metadata", ColType::Jsonb, true, "private metadata"),
        col("unsafe_metadata", ColType::Jsonb, true, "unsafe metadata"),
        col("email_addresses", ColType::Jsonb, false, "every email address of the user"),
        col("created_at", ColType::Timestamptz, false, "creation time"),
        col("updated_at", ColType::Timestamptz, false, "last update time"),
        col("primary_web3_wallet_id", ColType::Text, true, "primary web3 wallet id"),
        col("locale", ColType::Text, true, "locale"),
        col("profile_image_url", ColType::Text, true, "profile image url"),
        col("phone_numbers", ColType::Jsonb, false, "phone numbers"),
        col("web3_wallets", ColType::Jsonb, false, "web3 wallets"),
        col("passkeys", ColType::Jsonb, false, "passkeys"),
        col("password_enabled", ColType::Bool, false, "password enabled"),
        col("two_factor_enabled", ColType::Bool, false, "two factor enabled"),
        col("totp_enabled", ColType::Bool, false, "totp enabled"),
        col("backup_code_enabled", ColType::Bool, false, "backup code enabled"),
        col("mfa_enabled_at", ColType::Timestamptz, true, "unix timestamp of when MFA was last enabled for this user"),
        col("mfa_disabled_at", ColType::Timestamptz, true, "unix timestamp of when MFA was last disabled for this user"),
        col("password_last_updated_at", ColType::Timestamptz, true, "unix timestamp of when the user's password was last updated"),
        col("external_accounts", ColType::Jsonb, false, "external accounts"),
        col("saml_accounts", ColType::Jsonb, false, "saml accounts"),
        col("enterprise_accounts", ColType::Jsonb, false, "enterprise accounts"),
        col("organization_memberships", ColType::Jsonb, true, "organization memberships"),
        col("deprovisioned", ColType::Bool, true, "flag to denote whether user has been deprovisioned and is restricted from signing in"),
        col("lockout_expires_in_seconds", ColType::I64, true, "the number of seconds remaining until the lockout period expires for a locked user"),
        col("verification_attempts_remaining", ColType::I64, true, "the number of verification attempts remaining until the user is locked"),
        col("delete_self_enabled", ColType::Bool, false, "if enabled, user can delete themselves via FAPI"),
        col("create_organization_enabled", ColType::Bool, false, "if enabled, user can create organizations via FAPI"),
        col("create_organizations_limit", ColType::I64, true, "the maximum number of organizations the user can create"),
        col("legal_accepted_at", ColType::Timestamptz, true, "unix timestamp of when the user accepted the legal requirements"),
        col("bypass_client_trust", ColType::Bool, true, "when set to true, the user will bypass Device Trust checks during sign-in"),
        col("scim", ColType::Jsonb, true, "scim"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: Writes {
        insert: post("/users", &[
            same("external_id"),
            same("username"),
            same("first_name"),
            same("last_name"),
            same("banned"),
            same("locked"),
            same("public_metadata"),
            same("private_metadata"),
            same("unsafe_metadata"),
            same("created_at"),
            same("locale"),
            same("delete_self_enabled"),
            same("create_organization_enabled"),
            same("create_organizations_limit"),
            same("legal_accepted_at"),
            same("bypass_client_trust"),
            BodyField { column: "email", field: "email_address", form: Form::OneItemArray },
            BodyField { column: "phone", field: "phone_number", form: Form::OneItemArray },
        ]),
        update: patch("/users/{user_id}", &[
            same("external_id"),
            same("username"),
            same("first_name"),
            same("last_name"),
            same("primary_email_address_id"),
            same("primary_phone_number_id"),
            same("created_at"),
            same("primary_web3_wallet_id"),
            same("locale"),
            same("delete_self_enabled"),
            same("create_organization_enabled"),
            same("create_organizations_limit"),
            same("legal_accepted_at"),
            same("bypass_client_trust"),
        ]),
        delete: delete("/users/{user_id}"),
        update_extra: &[
            Extra::Toggle { column: "banned", on: "/users/{user_id}/ban", off: "/users/{user_id}/unban" },
            Extra::Toggle { column: "locked", on: "/users/{user_id}/lock", off: "/users/{user_id}/unlock" },
            // Deep-merged into the existing metadata, as Clerk's PATCH does.
            Extra::Fields {
                method: Method::Patch,
                path: "/users/{user_id}/metadata",
                fields: &[same("public_metadata"), same("private_metadata"), same("unsafe_metadata")],
            },
        ],
    },
    doc: "Users of the Clerk instance.",
};

pub(crate) const USER_EMAIL_ADDRESSES: ObjectSpec = ObjectSpec {
    table: "user_email_addresses",
    object: "user_email_addresses",
    noun: "email address",
    rows: Rows::Nested { key: "email_addresses" },
    endpoints: &[
        one("/users/{user_id}", &[id_bind("user_id", "user_id", "user_...")]),
        Endpoint {
            filters: &[
                ids("user_id", "user_id"),
                // Users having it: their other addresses come too, so
                // Postgres re-checks.
                FilterSpec { exact: false, ..eq("email_address", "email_address") },
            ],
            ..list("/users", Envelope::BareArray)
        },
    ],
    columns: &[
        col("id", ColType::Text, true, "its id"),
        ColumnSpec { source: Source::Parent("id"), ..col("user_id", ColType::Text, false, "the user it belongs to") },
        ColumnSpec {
            source: Source::IsPrimary { parent_key: "primary_email_address_id" },
            ..col("is_primary", ColType::Bool, false, "whether it is the user's primary email address")
        },
        col("email_address", ColType::Text, false, "email address"),
        col("reserved", ColType::Bool, false, "reserved"),
        col("verification", ColType::Jsonb, true, "verification"),
        col("linked_to", ColType::Jsonb, false, "linked to"),
        col("matches_sso_connection", ColType::Bool, true, "indicates whether this email address domain matches an active enterprise connection"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp of creation"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp of creation"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: READ_ONLY,
    doc: "The email addresses of users, one row each (un-nested from `GET /users`; `user_id = ...` reads one user).",
};

pub(crate) const USER_PHONE_NUMBERS: ObjectSpec = ObjectSpec {
    table: "user_phone_numbers",
    object: "user_phone_numbers",
    noun: "phone number",
    rows: Rows::Nested { key: "phone_numbers" },
    endpoints: &[
        one("/users/{user_id}", &[id_bind("user_id", "user_id", "user_...")]),
        Endpoint {
            filters: &[
                ids("user_id", "user_id"),
                // Users having it: their other phone numbers come too, so
                // Postgres re-checks.
                FilterSpec { exact: false, ..eq("phone_number", "phone_number") },
            ],
            ..list("/users", Envelope::BareArray)
        },
    ],
    columns: &[
        col("id", ColType::Text, true, "its id"),
        ColumnSpec { source: Source::Parent("id"), ..col("user_id", ColType::Text, false, "the user it belongs to") },
        ColumnSpec {
            source: Source::IsPrimary { parent_key: "primary_phone_number_id" },
            ..col("is_primary", ColType::Bool, false, "whether it is the user's primary phone number")
        },
        col("phone_number", ColType::Text, false, "phone number"),
        col("reserved_for_second_factor", ColType::Bool, true, "reserved for second factor"),
        col("default_second_factor", ColType::Bool, true, "default second factor"),
        col("reserved", ColType::Bool, false, "reserved"),
        col("verification", ColType::Jsonb, true, "verification"),
        col("linked_to", ColType::Jsonb, false, "linked to"),
        col("backup_codes", ColType::Jsonb, true, "backup codes"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp of creation"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp of creation"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: READ_ONLY,
    doc: "The phone numbers of users, one row each (un-nested from `GET /users`; `user_id = ...` reads one user).",
};

pub(crate) const USER_WEB3_WALLETS: ObjectSpec = ObjectSpec {
    table: "user_web3_wallets",
    object: "user_web3_wallets",
    noun: "web3 wallet",
    rows: Rows::Nested { key: "web3_wallets" },
    endpoints: &[
        one("/users/{user_id}", &[id_bind("user_id", "user_id", "user_...")]),
        Endpoint {
            filters: &[
                ids("user_id", "user_id"),
                // Users having it: their other web3 wallets come too, so
                // Postgres re-checks.
                FilterSpec { exact: false, ..eq("web3_wallet", "web3_wallet") },
            ],
            ..list("/users", Envelope::BareArray)
        },
    ],
    columns: &[
        col("id", ColType::Text, true, "its id"),
        ColumnSpec { source: Source::Parent("id"), ..col("user_id", ColType::Text, false, "the user it belongs to") },
        ColumnSpec {
            source: Source::IsPrimary { parent_key: "primary_web3_wallet_id" },
            ..col("is_primary", ColType::Bool, false, "whether it is the user's primary web3 wallet")
        },
        col("web3_wallet", ColType::Text, false, "web3 wallet"),
        col("verification", ColType::Jsonb, true, "verification"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp of creation"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp of creation"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: READ_ONLY,
    doc: "The web3 wallets of users, one row each (un-nested from `GET /users`; `user_id = ...` reads one user).",
};

pub(crate) const USER_PASSKEYS: ObjectSpec = ObjectSpec {
    table: "user_passkeys",
    object: "user_passkeys",
    noun: "passkey",
    rows: Rows::Nested { key: "passkeys" },
    endpoints: &[
        one("/users/{user_id}", &[id_bind("user_id", "user_id", "user_...")]),
        Endpoint {
            filters: &[
                ids("user_id", "user_id"),
            ],
            ..list("/users", Envelope::BareArray)
        },
    ],
    columns: &[
        col("id", ColType::Text, true, "its id"),
        ColumnSpec { source: Source::Parent("id"), ..col("user_id", ColType::Text, false, "the user it belongs to") },
        col("name", ColType::Text, false, "name"),
        col("last_used_at", ColType::Timestamptz, false, "unix timestamp of when the passkey was last used"),
        col("verification", ColType::Jsonb, true, "verification"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: READ_ONLY,
    doc: "The passkeys of users, one row each (un-nested from `GET /users`; `user_id = ...` reads one user).",
};

pub(crate) const USER_EXTERNAL_ACCOUNTS: ObjectSpec = ObjectSpec {
    table: "user_external_accounts",
    object: "user_external_accounts",
    noun: "external account",
    rows: Rows::Nested { key: "external_accounts" },
    endpoints: &[
        one("/users/{user_id}", &[id_bind("user_id", "user_id", "user_...")]),
        Endpoint {
            filters: &[
                ids("user_id", "user_id"),
            ],
            ..list("/users", Envelope::BareArray)
        },
    ],
    columns: &[
        col("id", ColType::Text, false, "id"),
        ColumnSpec { source: Source::Parent("id"), ..col("user_id", ColType::Text, false, "the user it belongs to") },
        col("provider", ColType::Text, false, "provider"),
        col("identification_id", ColType::Text, false, "identification id"),
        col("provider_user_id", ColType::Text, false, "the unique ID of the user in the external provider's system"),
        col("approved_scopes", ColType::Text, false, "approved scopes"),
        col("email_address", ColType::Text, false, "email address"),
        col("email_address_verified", ColType::Bool, true, "whether the email was verified by the OAuth provider at creation time"),
        col("first_name", ColType::Text, false, "first name"),
        col("last_name", ColType::Text, false, "last name"),
        col("avatar_url", ColType::Text, true, "please use image_url instead"),
        col("image_url", ColType::Text, true, "image url"),
        col("username", ColType::Text, true, "username"),
        col("phone_number", ColType::Text, true, "phone number"),
        col("public_metadata", ColType::Jsonb, false, "public metadata"),
        col("label", ColType::Text, true, "label"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp of creation"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp of creation"),
        col("verification", ColType::Jsonb, true, "verification"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: READ_ONLY,
    doc: "The external accounts of users, one row each (un-nested from `GET /users`; `user_id = ...` reads one user).",
};

pub(crate) const USER_ENTERPRISE_ACCOUNTS: ObjectSpec = ObjectSpec {
    table: "user_enterprise_accounts",
    object: "user_enterprise_accounts",
    noun: "enterprise account",
    rows: Rows::Nested { key: "enterprise_accounts" },
    endpoints: &[
        one("/users/{user_id}", &[id_bind("user_id", "user_id", "user_...")]),
        Endpoint {
            filters: &[
                ids("user_id", "user_id"),
            ],
            ..list("/users", Envelope::BareArray)
        },
    ],
    columns: &[
        col("id", ColType::Text, false, "id"),
        ColumnSpec { source: Source::Parent("id"), ..col("user_id", ColType::Text, false, "the user it belongs to") },
        col("protocol", ColType::Text, true, "the authentication protocol used to sign in"),
        col("provider", ColType::Text, false, "provider"),
        col("active", ColType::Bool, false, "active"),
        col("email_address", ColType::Text, false, "email address"),
        col("first_name", ColType::Text, true, "first name"),
        col("last_name", ColType::Text, true, "last name"),
        col("provider_user_id", ColType::Text, true, "the unique ID of the user in the external provider's system"),
        col("enterprise_connection_id", ColType::Text, true, "enterprise connection id"),
        col("public_metadata", ColType::Jsonb, true, "public metadata"),
        col("verification", ColType::Jsonb, true, "verification"),
        col("enterprise_connection", ColType::Jsonb, true, "enterprise connection"),
        col("last_authenticated_at", ColType::Timestamptz, true, "unix timestamp of last authentication"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: READ_ONLY,
    doc: "The enterprise accounts of users, one row each (un-nested from `GET /users`; `user_id = ...` reads one user).",
};


pub(crate) const OAUTH_ACCESS_TOKENS: ObjectSpec = ObjectSpec {
    table: "oauth_access_tokens",
    object: "oauth_access_tokens",
    noun: "oauth access token",
    rows: Rows::Items,
    endpoints: &[Endpoint {
        binds: &[
            path_bind("user_id", "user_id", "user_..."),
            path_bind("provider", "provider", "oauth_google"),
        ],
        ..list("/users/{user_id}/oauth_access_tokens/{provider}", Envelope::BareArray)
    }],
    columns: &[
        col("user_id", ColType::Text, false, "the user asked for (`where user_id = ...`)"),
        col("external_account_id", ColType::Text, false, "external account ID"),
        col("provider_user_id", ColType::Text, false, "the unique ID of the user in the external provider's system"),
        col("token", ColType::Text, false, "the access token"),
        col("expires_at", ColType::Timestamptz, true, "unix timestamp of the access token expiration"),
        col("provider", ColType::Text, false, "the ID of the provider"),
        col("public_metadata", ColType::Jsonb, false, "public metadata"),
        col("label", ColType::Text, true, "label"),
        col("scopes", ColType::Jsonb, true, "the list of scopes that the token is valid for"),
        col("id_token", ColType::Text, true, "the ID token retrieved from the OIDC provider"),
        col("token_secret", ColType::Text, true, "the token secret"),
        attrs(),
    ],
    rowid: None,
    hidden: &[],
    writes: READ_ONLY,
    doc: "OAuth access tokens of a user's external account, by `user_id` and `provider` (e.g. 'oauth_google').",
};


pub(crate) const USER_TRUSTED_DEVICES: ObjectSpec = ObjectSpec {
    table: "user_trusted_devices",
    object: "user_trusted_devices",
    noun: "trusted device",
    rows: Rows::Items,
    endpoints: &[Endpoint {
        binds: &[path_bind("user_id", "user_id", "user_...")],
        shape: Shape::Unpaged { envelope: Envelope::DataTotalCount },
        ..list("/users/{user_id}/trusted_devices", Envelope::DataTotalCount)
    }],
    columns: &[
        col("user_id", ColType::Text, false, "the user asked for (`where user_id = ...`)"),
        col("id", ColType::Text, false, "id"),
        col("platform", ColType::Text, false, "platform"),
        col("app_identifier", ColType::Text, false, "app identifier"),
        col("name", ColType::Text, true, "name"),
        col("algorithm", ColType::Text, false, "algorithm"),
        col("status", ColType::Text, false, "status"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp of creation in milliseconds"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp of the last update in milliseconds"),
        col("last_used_at", ColType::Timestamptz, true, "unix timestamp of the last use in milliseconds"),
        col("revoked_at", ColType::Timestamptz, true, "unix timestamp of revocation in milliseconds"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: READ_ONLY,
    doc: "Trusted devices of a user, by `user_id`.",
};
