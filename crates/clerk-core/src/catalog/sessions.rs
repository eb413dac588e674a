//! Sign-in state: sessions and clients, and the waitlist.

use super::*;

pub(crate) const SESSIONS: ObjectSpec = ObjectSpec {
    table: "sessions",
    object: "sessions",
    noun: "session",
    rows: Rows::Items,
    endpoints: &[
        one("/sessions/{session_id}", &[id_bind("id", "session_id", "sess_...")]),
        Endpoint {
            filters: &[eq1("user_id", "user_id"), eq1("client_id", "client_id"), eq1("status", "status")],
            ..list("/sessions", Envelope::BareArray)
        },
    ],
    columns: &[
        col("id", ColType::Text, false, "session id (`sess_...`)"),
        col("user_id", ColType::Text, false, "user id"),
        col("client_id", ColType::Text, false, "client id"),
        col("actor", ColType::Jsonb, true, "actor"),
        col("status", ColType::Text, false, "status"),
        col("last_active_organization_id", ColType::Text, true, "last active organization id"),
        col("last_active_at", ColType::Timestamptz, false, "last activity time"),
        col("latest_activity", ColType::Jsonb, true, "latest activity"),
        col("expire_at", ColType::Timestamptz, false, "unix timestamp of expiration"),
        col("abandon_at", ColType::Timestamptz, false, "unix timestamp of abandonment"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp of last update"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp of creation"),
        col("tasks", ColType::Jsonb, true, "tasks"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: READ_ONLY,
    doc: "Sessions of users on clients (Clerk purges old ones).",
};

pub(crate) const CLIENTS: ObjectSpec = ObjectSpec {
    table: "clients",
    object: "clients",
    noun: "client",
    rows: Rows::Items,
    endpoints: &[
        one("/clients/{client_id}", &[id_bind("id", "client_id", "client_...")]),
        list("/clients", Envelope::BareArray),
    ],
    columns: &[
        col("id", ColType::Text, false, "client id (`client_...`)"),
        col("session_ids", ColType::Jsonb, false, "session ids"),
        col("sessions", ColType::Jsonb, false, "sessions"),
        col("sign_in_id", ColType::Text, true, "sign in id"),
        col("sign_up_id", ColType::Text, true, "sign up id"),
        col("last_active_session_id", ColType::Text, true, "last active session_id"),
        col("last_authentication_strategy", ColType::Text, true, "the authentication strategy that was last used to authenticate the user on this client"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp of last update"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp of creation"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: READ_ONLY,
    doc: "Clients (browsers and devices) and their sessions.",
};

pub(crate) const WAITLIST_ENTRIES: ObjectSpec = ObjectSpec {
    table: "waitlist_entries",
    object: "waitlist_entries",
    noun: "waitlist entry",
    rows: Rows::Items,
    endpoints: &[Endpoint {
        // `query` matches the email address or the id: a superset.
        filters: &[eq1("status", "status"), search("email_address", "query")],
        order_by: &[total_order("created_at", "created_at"), partial_order("email_address", "email_address")],
        default_order: Some("-created_at"),
        ..list("/waitlist_entries", Envelope::DataTotalCount)
    }],
    columns: &[
        col("id", ColType::Text, false, "entry id (`wle_...`)"),
        col("email_address", ColType::Text, false, "email address"),
        col("status", ColType::Text, false, "status"),
        col("is_locked", ColType::Bool, true, "indicates if the waitlist entry is locked"),
        col("created_at", ColType::Timestamptz, false, "unix timestamp of creation"),
        col("updated_at", ColType::Timestamptz, false, "unix timestamp of last update"),
        col("invitation", ColType::Jsonb, true, "invitation"),
        attrs(),
    ],
    rowid: Some("id"),
    hidden: &[],
    writes: Writes {
        insert: post("/waitlist_entries", &[
            same("email_address"),
        ]),
        update: None,
        delete: delete("/waitlist_entries/{waitlist_entry_id}"),
        update_extra: &[],
    },
    doc: "People waiting to be let in (waitlist mode).",
};
