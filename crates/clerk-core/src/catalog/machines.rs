//! Machine authentication: machines, API keys and M2M tokens.

use super::*;

pub(crate) const MACHINES: ObjectSpec = ObjectSpec {
    table: "machines",
    object: "machines",
    noun: "machine",
    rows: Rows::Items,
    endpoints: &[
        one("/machines/{machine_id}", &[id_bind("id", "machine_id", "mch_...")]),
        Endpoint {
            // `query` matches the id exactly and names partially.
            filters: &[search("name", "query")],
            order_by: &[total_order("created_at", "created_at"), partial_order("name", "name")],
            default_order: Some("-created_at"),
            ..list("/machines", Envelope::DataTotalCount)
        },
    ],
    columns: &[
        col("id", ColType::Text, false, "unique identifier for the machine"),
        col("name", ColType::Text, false, "the name of the machine"),
        col("instance_id", ColType::Text, false, "the ID of the instance this machine belongs to"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp of creation"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp of last update"),
        col("default_token_ttl", ColType::I64, true, "the default time-to-live (TTL) in seconds for tokens created by this machine"),
        col("scoped_machines", ColType::Jsonb, false, "array of machines this machine has access to"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: Writes {
        insert: post("/machines", &[
            same("name"),
            same("default_token_ttl"),
            same("scoped_machines"),
        ]),
        update: patch("/machines/{machine_id}", &[
            same("name"),
            same("default_token_ttl"),
        ]),
        delete: delete("/machines/{machine_id}"),
        update_extra: &[],
    },
    doc: "Machines (services) that authenticate with M2M tokens.",
};

/// `subject = '...'`: the user, organization or machine the keys belong to;
/// Clerk's list requires it.
const SUBJECT: Bind = Bind {
    column: "subject",
    to: BindTo::Query("subject"),
    exact: true,
    fan_out: true,
    example: "user_...",
    all: &[],
};

pub(crate) const API_KEYS: ObjectSpec = ObjectSpec {
    table: "api_keys",
    object: "api_keys",
    noun: "api key",
    rows: Rows::Items,
    endpoints: &[
        one("/api_keys/{apiKeyID}", &[id_bind("id", "apiKeyID", "ak_...")]),
        Endpoint {
            path: "/api_keys",
            binds: &[SUBJECT],
            shape: Shape::Paged { envelope: Envelope::DataTotalCount, page_size_max: 100 },
            // Without it Clerk leaves out revoked and expired keys: the
            // table holds them all (see the revoked and expired columns).
            fixed_query: &[("include_invalid", "true")],
            filters: &[eq1("type", "type")],
            order_by: &[],
            default_order: None,
            sorted_windows: &[],
        },
    ],
    columns: &[
        col("id", ColType::Text, false, "api key id (`ak_...`)"),
        col("type", ColType::Text, false, "type"),
        col("subject", ColType::Text, false, "subject"),
        col("name", ColType::Text, false, "name"),
        col("description", ColType::Text, true, "description"),
        col("claims", ColType::Jsonb, true, "claims"),
        col("scopes", ColType::Jsonb, false, "scopes"),
        col("revoked", ColType::Bool, false, "revoked"),
        col("revocation_reason", ColType::Text, true, "revocation reason"),
        col("expired", ColType::Bool, false, "expired"),
        col("expiration", ColType::F64, true, "the timestamp for when the API key will expire, in milliseconds"),
        col("created_by", ColType::Text, true, "created by"),
        col("last_used_at", ColType::F64, true, "the timestamp for when the API key was last used, in milliseconds"),
        col("created_at", ColType::F64, false, "the timestamp for when the API key was created, in milliseconds"),
        col("updated_at", ColType::F64, false, "the timestamp for when the API key was last updated, in milliseconds"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: Writes {
        insert: post("/api_keys", &[
            same("type"),
            same("subject"),
            same("name"),
            same("description"),
            same("claims"),
            same("scopes"),
            same("created_by"),
        ]),
        update: patch("/api_keys/{apiKeyID}", &[
            same("subject"),
            same("description"),
            same("claims"),
            same("scopes"),
        ]),
        delete: revoke("/api_keys/{apiKeyID}/revoke"),
        update_extra: &[],
    },
    doc: "API keys of a subject (`subject = 'user_...'`, an organization or a machine id), revoked and expired ones included.",
};

pub(crate) const M2M_TOKENS: ObjectSpec = ObjectSpec {
    table: "m2m_tokens",
    object: "m2m_tokens",
    noun: "m2m token",
    rows: Rows::Items,
    endpoints: &[Endpoint {
        path: "/m2m_tokens",
        // Clerk lists only valid tokens unless asked for revoked or expired
        // ones, each flag an exact filter: the table asks for all four
        // combinations (a qual on either picks its value).
        binds: &[Bind { example: "mch_...", ..SUBJECT }, both_booleans("revoked"), both_booleans("expired")],
        shape: Shape::Paged { envelope: Envelope::Keyed("m2m_tokens"), page_size_max: 100 },
        fixed_query: &[],
        filters: &[],
        order_by: &[],
        default_order: None,
        sorted_windows: &[],
    }],
    columns: &[
        col("id", ColType::Text, false, "token id (`mt_...`)"),
        col("subject", ColType::Text, false, "subject"),
        col("claims", ColType::Jsonb, true, "claims"),
        col("scopes", ColType::Jsonb, true, "scopes"),
        col("revoked", ColType::Bool, false, "revoked"),
        col("revocation_reason", ColType::Text, true, "revocation reason"),
        col("expired", ColType::Bool, false, "expired"),
        col("expiration", ColType::F64, true, "the timestamp for when the token will expire, in milliseconds"),
        col("last_used_at", ColType::F64, true, "the timestamp for when the token was last used, in milliseconds"),
        col("created_at", ColType::F64, false, "the timestamp for when the token was created, in milliseconds"),
        col("updated_at", ColType::F64, false, "the timestamp for when the token was last updated, in milliseconds"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: READ_ONLY,
    doc: "M2M tokens issued to a machine (`subject = 'mch_...'`).",
};
