//! `jwt.encode`: signs a short-lived token from a private key (PEM).
//!
//! Claims start with `iat`, `nbf` = now and `exp` = now + ttl; the guest's
//! payload pairs are added as string claims. RSA (RS*/PS*) and EC (ES256,
//! ES384) keys are accepted; Supabase's host knows only RS256 with iss/sub,
//! a subset of this.

use jsonwebtoken::{Algorithm, EncodingKey, Header};

pub fn encode(
    payload: &[(String, String)],
    algo: &str,
    key: &str,
    ttl_hours: u32,
) -> Result<String, String> {
    let alg: Algorithm = algo
        .parse()
        .map_err(|_| format!("algorithm {algo} not implemented"))?;
    let encoding_key = match alg {
        Algorithm::RS256
        | Algorithm::RS384
        | Algorithm::RS512
        | Algorithm::PS256
        | Algorithm::PS384
        | Algorithm::PS512 => EncodingKey::from_rsa_pem(key.as_bytes()),
        Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(key.as_bytes()),
        _ => return Err(format!("algorithm {algo} not implemented")),
    }
    .map_err(|_| format!("the key is not a valid PEM private key for {algo}"))?;

    let now = chrono::Utc::now().timestamp();
    let mut claims = serde_json::Map::new();
    for (k, v) in payload {
        claims.insert(k.clone(), serde_json::Value::String(v.clone()));
    }
    claims.insert("iat".into(), now.into());
    claims.insert("nbf".into(), now.into());
    claims.insert("exp".into(), (now + i64::from(ttl_hours) * 3600).into());
    jsonwebtoken::encode(&Header::new(alg), &claims, &encoding_key)
        .map_err(|e| format!("jwt encoding failed: {e}"))
}
