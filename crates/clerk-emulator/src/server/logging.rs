//! One line per request on stderr: method, path (never the query string,
//! which can carry emails and other filter values), status and duration.

use std::fmt;
use std::str::FromStr;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

/// How much the emulator logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum LogLevel {
    /// Nothing.
    Off,
    /// Only requests answered with a 5xx.
    Error,
    /// Every request.
    #[default]
    Info,
    /// Every request, plus the names (not values) of its query parameters.
    Debug,
}

impl LogLevel {
    pub const NAMES: &'static [&'static str] = &["off", "error", "info", "debug"];
}

impl FromStr for LogLevel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "off" => Ok(Self::Off),
            "error" => Ok(Self::Error),
            "info" => Ok(Self::Info),
            "debug" => Ok(Self::Debug),
            _ => Err(format!(
                "log level \"{s}\" is not supported (use one of: {})",
                Self::NAMES.join(", ")
            )),
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Off => "off",
            Self::Error => "error",
            Self::Info => "info",
            Self::Debug => "debug",
        };
        f.write_str(name)
    }
}

pub async fn log_request(State(level): State<LogLevel>, req: Request, next: Next) -> Response {
    if level == LogLevel::Off {
        return next.run(req).await;
    }
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let param_names: Option<Vec<String>> = (level == LogLevel::Debug).then(|| {
        req.uri()
            .query()
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, _)| k.into_owned())
                    .collect()
            })
            .unwrap_or_default()
    });
    let started = Instant::now();
    let response = next.run(req).await;
    let status = response.status();
    if level >= LogLevel::Info || status.is_server_error() {
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        match param_names {
            Some(names) if !names.is_empty() => {
                eprintln!(
                    "clerk-emulator: {method} {path} {} {ms:.2}ms params={}",
                    status.as_u16(),
                    names.join(",")
                );
            }
            _ => eprintln!(
                "clerk-emulator: {method} {path} {} {ms:.2}ms",
                status.as_u16()
            ),
        }
    }
    response
}
