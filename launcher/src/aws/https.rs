//! The one HTTPS client every AWS call goes through: hyper 1 + rustls 0.23
//! with the `ring` crypto provider.
//!
//! Invariants:
//! - The same client as the SDK's default (`default-https-client`), except
//!   for the crypto provider: connector settings and the sleep come from the
//!   runtime components, and the proxy from `HTTPS_PROXY` / `HTTP_PROXY` /
//!   `NO_PROXY`, as the default does at `BehaviorVersion::latest()`.
//! - `ring` rather than the default aws-lc-rs because its C compiles in
//!   seconds and cross-compiles with a bare `clang --target=…`: the static
//!   aarch64 release needs no C sysroot (see scripts/dist.sh).
//! - Trust roots: the platform's (rustls-native-certs), as with the default.

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use aws_smithy_http_client::{Builder, ConnectorBuilder};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// The HTTPS client for [`aws_config::ConfigLoader::http_client`].
pub fn client() -> SharedHttpClient {
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut conn = ConnectorBuilder::default().tls_provider(Provider::Rustls(CryptoMode::Ring));
        conn.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            conn.set_sleep_impl(components.sleep_impl());
        }
        conn.set_proxy_config(Some(ProxyConfig::from_env()));
        conn.build()
    })
}
