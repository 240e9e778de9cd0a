//! AuthzMiddleware: allow or deny each request before anything else runs.
//!
//! Mirrors moby `pkg/authorization/middleware.go` (v20.10.24). dockerd asks
//! authorization *plugins* (`--authorization-plugin`): it sends each plugin
//! the user (the common name of the TLS client certificate), the method,
//! the URI and the body, and a plugin that says no turns the request into
//! a 403 `authorization denied by plugin <name>: <msg>`. Plugins are out of
//! scope here; in their place the middleware reads a *policy file*
//! (`--authz-policy FILE`), a list of rules with the same inputs:
//!
//! ```json
//! {"rules": [
//!   {"action": "deny", "methods": ["DELETE"], "path": "/containers/*",
//!    "users": ["*"], "message": "deleting containers is not allowed"}
//! ]}
//! ```
//!
//! `path` is matched against the path without its `/v1.41` prefix, `*`
//! matches any run of characters, `users` lists TLS client names (`""`
//! for a client without a certificate, `"*"` for anyone), and the first
//! rule that matches decides; no match allows. Without a policy file the
//! middleware lets everything through, as dockerd does with no plugins.
//!
//! Lesson: `walkthroughs/04-middlewares.md`.

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use crate::errdefs::Error;
use crate::server::httputils::ApiFunc;
use crate::trace;

use super::Middleware;

/// The name that stands in for a plugin name in denial messages.
pub const POLICY_PLUGIN_NAME: &str = "authz-policy";

/// One rule of the policy file.
#[derive(Debug, Clone, Deserialize)]
pub struct Rule {
    /// `allow` or `deny`.
    pub action: String,
    /// Methods the rule applies to; empty means all.
    #[serde(default)]
    pub methods: Vec<String>,
    /// A path pattern with `*` wildcards; empty means all.
    #[serde(default)]
    pub path: String,
    /// TLS client names; empty means all.
    #[serde(default)]
    pub users: Vec<String>,
    /// The message a denied client sees.
    #[serde(default)]
    pub message: String,
}

/// The policy file.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Policy {
    #[serde(default)]
    pub rules: Vec<Rule>,
}

impl Policy {
    pub fn load(path: &Path) -> Result<Policy, String> {
        let data = std::fs::read(path)
            .map_err(|e| format!("reading authorization policy {}: {e}", path.display()))?;
        serde_json::from_slice(&data)
            .map_err(|e| format!("parsing authorization policy {}: {e}", path.display()))
    }

    /// The first matching rule, with its index.
    pub fn decide(&self, method: &str, path: &str, user: &str) -> Option<(usize, &Rule)> {
        let path = strip_version(path);
        self.rules.iter().enumerate().find(|(_, r)| {
            (r.methods.is_empty() || r.methods.iter().any(|m| m.eq_ignore_ascii_case(method)))
                && (r.path.is_empty() || glob(&r.path, path))
                && (r.users.is_empty() || r.users.iter().any(|u| u == "*" || u == user))
        })
    }
}

fn strip_version(path: &str) -> &str {
    if let Some(rest) = path.strip_prefix("/v") {
        let end = rest.find('/').unwrap_or(rest.len());
        if end > 0 && rest[..end].bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return &rest[end..];
        }
    }
    path
}

/// `*` matches any run of characters; everything else matches itself.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            if !text.starts_with(head) {
                return false;
            }
            let rest = &text[head.len()..];
            (0..=rest.len())
                .filter(|&i| rest.is_char_boundary(i))
                .any(|i| glob(tail, &rest[i..]))
        }
    }
}

/// See the module documentation.
#[derive(Clone, Default)]
pub struct AuthzMiddleware {
    policy: Option<Arc<Policy>>,
}

impl AuthzMiddleware {
    /// moby `authorization.NewMiddleware(names, pg)`; here, a policy.
    pub fn new(policy: Option<Policy>) -> Self {
        AuthzMiddleware {
            policy: policy.map(Arc::new),
        }
    }
}

impl Middleware for AuthzMiddleware {
    fn name(&self) -> &'static str {
        "AuthzMiddleware"
    }

    fn wrap_handler(&self, next: ApiFunc) -> ApiFunc {
        let policy = self.policy.clone();
        Arc::new(move |ctx, req, vars| {
            let next = next.clone();
            let policy = policy.clone();
            Box::pin(async move {
                let start = trace::clock();
                trace_event!("middleware", "enter", "AuthzMiddleware");
                let user = ctx.conn.tls_client.clone().unwrap_or_default();
                if let Some(policy) = &policy {
                    if let Some((i, rule)) =
                        policy.decide(req.method().as_str(), req.uri().path(), &user)
                    {
                        if rule.action.eq_ignore_ascii_case("deny") {
                            let msg = if rule.message.is_empty() {
                                "request denied by policy"
                            } else {
                                rule.message.as_str()
                            };
                            let err = Error::forbidden(format!(
                                "authorization denied by plugin {POLICY_PLUGIN_NAME}: {msg}"
                            ));
                            trace_event!(
                                "middleware",
                                "exit",
                                "AuthzMiddleware",
                                decision = "reject",
                                verdict = "deny",
                                rule = i as u64,
                                user = user.as_str(),
                                error = err.message.as_str(),
                                dur_us = trace::micros_since_opt(start)
                            );
                            return Err(err);
                        }
                        let result = next(ctx, req, vars).await;
                        trace_event!(
                            "middleware",
                            "exit",
                            "AuthzMiddleware",
                            decision = "pass",
                            verdict = "allow",
                            rule = i as u64,
                            user = user.as_str(),
                            dur_us = trace::micros_since_opt(start)
                        );
                        return result;
                    }
                }
                let verdict = if policy.is_some() {
                    "allow (no rule matched)"
                } else {
                    "allow (no policy)"
                };
                let result = next(ctx, req, vars).await;
                trace_event!(
                    "middleware",
                    "exit",
                    "AuthzMiddleware",
                    decision = "pass",
                    verdict = verdict,
                    user = user.as_str(),
                    dur_us = trace::micros_since_opt(start)
                );
                result
            })
        })
    }
}
