//! Keyless deploys: `pamphlet deploy` signing in with Entra ID identities instead of keys, against
//! a real Azurite in OAuth mode (https, bearer tokens only for the deploy) and a token endpoint on
//! 127.0.0.1 that speaks Entra ID's and the managed identity endpoint's protocols
//! (`token_endpoint.rs`). pamphlet trusts the throwaway certificate through `SSL_CERT_FILE`, as
//! it would a corporate proxy's.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use object_store::azure::MicrosoftAzureBuilder;

use crate::azurite::{ACCOUNT, KEY, create_container_at, download_all_from, unique_container};
use crate::token_endpoint::{Certificate, Grant, OAuthAzurite, Registration, TokenEndpoint};
use pamphlet::build::{BuildOptions, build};

const CLIENT_SECRET: &str = "client-secret-value-never-shown";
const FEDERATED_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.federated-token-never-shown.c2ln";

/// Everything one keyless deploy needs: certificate, Azurite, token endpoint and a built site.
struct World {
    dir: tempfile::TempDir,
    certificate: Certificate,
    azurite: OAuthAzurite,
    tokens: TokenEndpoint,
    registration: Registration,
    container: String,
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let certificate = Certificate::new(dir.path());
        let azurite = OAuthAzurite::start(&certificate);
        let registration = Registration {
            tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
            client_id: "0b3c3f4e-7d2a-4c55-9a61-5f2f0c1d9e21".into(),
            client_secret: CLIENT_SECRET.into(),
            federated_token: FEDERATED_TOKEN.into(),
            identity_header: "identity-header-value".into(),
        };
        let tokens = TokenEndpoint::start(&certificate, registration.clone());
        let container = unique_container("keyless");
        let pem = std::fs::read(&certificate.cert_pem).expect("cert.pem");
        let client = reqwest::Client::builder()
            .tls_certs_merge([reqwest::Certificate::from_pem(&pem).expect("a PEM certificate")])
            .build()
            .expect("a client trusting the throwaway certificate");
        create_container_at(&azurite.endpoint, &container, &client);
        let world = World {
            dir,
            certificate,
            azurite,
            tokens,
            registration,
            container,
        };
        world.write_site();
        world
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, path: &str, text: &str) {
        let path = self.root().join("site").join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    fn write_site(&self) {
        self.write(
            "site.toml",
            &format!(
                "title = \"Keyless\"\nbase_url = \"https://keyless.example\"\n\n\
                 [deploy]\naccount = \"{ACCOUNT}\"\ncontainer = \"{}\"\nendpoint = \"{}\"\n\n\
                 [deploy.targets.machine]\nauth = \"managed-identity\"\n\n\
                 [deploy.targets.cli]\nauth = \"azure-cli\"\n",
                self.container, self.azurite.endpoint
            ),
        );
        self.write(
            "content/blog/first/index.md",
            "---\ntitle: First\ndate: 2024-01-02\n---\n\nDeployed without a key.\n",
        );
        self.build();
    }

    fn build(&self) {
        let root = self.root().join("site");
        if let Err(problems) = build(&BuildOptions::new(&root)) {
            let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
            panic!("the fixture site does not build:\n{}", text.join("\n"));
        }
    }

    /// Runs `pamphlet deploy` with only `vars` (and SSL_CERT_FILE) of the Azure variables set.
    fn deploy(&self, args: &[&str], vars: &[(&str, &str)]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pamphlet"));
        command
            .arg("--root")
            .arg(self.root().join("site"))
            .arg("deploy")
            .args(args);
        for var in [
            "AZURE_STORAGE_CONNECTION_STRING",
            "AZURE_STORAGE_KEY",
            "AZURE_STORAGE_SAS_TOKEN",
            "AZURE_CLIENT_ID",
            "AZURE_TENANT_ID",
            "AZURE_CLIENT_SECRET",
            "AZURE_FEDERATED_TOKEN_FILE",
            "AZURE_AUTHORITY_HOST",
            "IDENTITY_ENDPOINT",
            "IDENTITY_HEADER",
        ] {
            command.env_remove(var);
        }
        command.env("SSL_CERT_FILE", &self.certificate.cert_pem);
        command.envs(vars.iter().copied());
        let output = command.output().expect("the pamphlet binary runs");
        let run = Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        let mut secrets = vec![CLIENT_SECRET.to_string(), FEDERATED_TOKEN.to_string()];
        secrets.extend(self.tokens.issued());
        for secret in &secrets {
            assert!(
                !run.stdout.contains(secret.as_str()) && !run.stderr.contains(secret.as_str()),
                "a secret or token appeared in the output:\n{}\n{}",
                run.stdout,
                run.stderr
            );
        }
        run
    }

    fn service_principal(&self, secret: &str) -> Vec<(&'static str, String)> {
        vec![
            ("AZURE_CLIENT_ID", self.registration.client_id.clone()),
            ("AZURE_TENANT_ID", self.registration.tenant.clone()),
            ("AZURE_CLIENT_SECRET", secret.to_string()),
            ("AZURE_AUTHORITY_HOST", self.tokens.authority.clone()),
        ]
    }

    /// The container, read back with the account key (Azurite's OAuth mode still takes it).
    fn remote(&self) -> BTreeMap<String, Vec<u8>> {
        let pem = std::fs::read(&self.certificate.cert_pem).expect("cert.pem");
        let certificate =
            object_store::Certificate::from_pem(&pem).expect("the certificate as object_store's");
        let store = MicrosoftAzureBuilder::new()
            .with_account(ACCOUNT)
            .with_access_key(KEY)
            .with_container_name(&self.container)
            .with_endpoint(self.azurite.endpoint.clone())
            .with_client_options(
                object_store::ClientOptions::new().with_root_certificate(certificate),
            )
            .build()
            .expect("a client for the OAuth Azurite");
        download_all_from(&store)
            .into_iter()
            .filter(|(name, _)| name != pamphlet::deploy::MANIFEST_NAME)
            .map(|(name, blob)| (name, blob.bytes))
            .collect()
    }

    fn assert_mirrors_public(&self) {
        let local = crate::common::published(&self.root().join("site/public"));
        let remote = self.remote();
        assert_eq!(
            remote.keys().collect::<Vec<_>>(),
            local.keys().collect::<Vec<_>>()
        );
        assert!(remote == local, "a blob differs from its file in public/");
    }
}

impl Run {
    fn assert_success(&self) {
        assert_eq!(
            self.code,
            Some(0),
            "deploy failed:\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
    }

    fn failure_line(&self) -> &str {
        assert_eq!(self.code, Some(1), "{}\n{}", self.stdout, self.stderr);
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one sentence, got:\n{}", self.stderr);
        lines[0]
    }

    fn uploaded(&self) -> usize {
        self.stdout
            .lines()
            .filter(|l| l.starts_with("uploaded "))
            .count()
    }
}

fn vars<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn granted(kind: &'static str) -> Grant {
    Grant {
        kind,
        granted: true,
    }
}

#[test]
fn a_service_principal_and_a_workload_identity_deploy_without_a_key_and_a_refused_one_says_why() {
    let world = World::new();
    let principal = world.service_principal(CLIENT_SECRET);

    let first = world.deploy(&[], &vars(&principal));
    first.assert_success();
    assert!(first.uploaded() > 3, "{}", first.stdout);
    world.assert_mirrors_public();
    // object_store keeps the token for its lifetime: one sign-in for the whole deploy.
    assert_eq!(world.tokens.take_grants(), vec![granted("client_secret")]);

    let again = world.deploy(&[], &vars(&principal));
    again.assert_success();
    assert_eq!(again.uploaded(), 0, "{}", again.stdout);
    assert_eq!(world.tokens.take_grants(), vec![granted("client_secret")]);

    // GitHub Actions' OIDC token, written to a file, as workload identity federation reads it.
    let token_file = world.root().join("federated-token");
    std::fs::write(&token_file, FEDERATED_TOKEN).expect("write the token");
    world.write(
        "content/blog/second/index.md",
        "---\ntitle: Second\ndate: 2024-02-03\n---\n\nAlso without a key.\n",
    );
    world.build();
    let mut workload = principal.clone();
    workload.retain(|(k, _)| *k != "AZURE_CLIENT_SECRET");
    workload.push((
        "AZURE_FEDERATED_TOKEN_FILE",
        token_file.to_string_lossy().into_owned(),
    ));
    let federated = world.deploy(&[], &vars(&workload));
    federated.assert_success();
    assert!(
        federated.stdout.contains("uploaded blog/second/index.html"),
        "{}",
        federated.stdout
    );
    world.assert_mirrors_public();
    assert_eq!(world.tokens.take_grants(), vec![granted("federated")]);

    // Entra refuses a wrong secret: one sentence naming the identity and Entra's reason.
    let wrong = world.service_principal("not-the-secret");
    let refused = world.deploy(&[], &vars(&wrong));
    let line = refused.failure_line();
    assert!(line.contains(&world.registration.client_id), "{line}");
    assert!(
        line.contains("AADSTS7000215: Invalid client secret provided"),
        "{line}"
    );
    assert!(!line.contains("not-the-secret"), "{line}");

    // Storage refuses a token that is not for it: the identity and the role it needs.
    world.tokens.issue_for_the_wrong_audience();
    let forbidden = world.deploy(&["--force"], &vars(&principal));
    let line = forbidden.failure_line();
    assert!(
        line.contains(&format!(
            "service principal {}",
            world.registration.client_id
        )),
        "{line}"
    );
    assert!(line.contains("Storage Blob Data Contributor"), "{line}");
    assert!(line.contains(&world.container), "{line}");
}

#[test]
fn a_managed_identity_and_the_azure_cli_deploy_without_a_key() {
    let world = World::new();
    let endpoint = format!("{}/msi/token", world.tokens.authority);
    let machine = world.deploy(
        &["--target", "machine"],
        &[
            ("IDENTITY_ENDPOINT", endpoint.as_str()),
            ("IDENTITY_HEADER", "identity-header-value"),
        ],
    );
    machine.assert_success();
    world.assert_mirrors_public();
    assert_eq!(
        world.tokens.take_grants(),
        vec![granted("managed_identity")]
    );

    // Without the platform's identity header the endpoint refuses, as App Service's does.
    let refused = world.deploy(
        &["--target", "machine", "--force"],
        &[("IDENTITY_ENDPOINT", endpoint.as_str())],
    );
    let line = refused.failure_line();
    assert!(line.contains("managed identity"), "{line}");

    // The Azure CLI's token, from a stand-in `az` on PATH that prints what
    // `az account get-access-token --output json` prints.
    let bin = world.root().join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir bin");
    let token = world
        .tokens
        .issued()
        .last()
        .cloned()
        .expect("a token was issued");
    let az = bin.join("az");
    std::fs::write(
        &az,
        format!(
            "#!/bin/sh\ncase \"$*\" in *get-access-token*--scope\\ https://storage.azure.com/.default*) ;; *) exit 2 ;; esac\n\
             expires=$(date -d '+1 hour' '+%Y-%m-%d %H:%M:%S.000000')\n\
             printf '{{\"accessToken\": \"{token}\", \"expiresOn\": \"%s\", \"tokenType\": \"Bearer\"}}' \"$expires\"\n"
        ),
    )
    .expect("write az");
    let mut permissions = std::fs::metadata(&az).expect("az").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&az, permissions).expect("chmod az");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let cli = world.deploy(&["--target", "cli", "--force"], &[("PATH", path.as_str())]);
    cli.assert_success();
    assert!(cli.uploaded() > 3, "{}", cli.stdout);
    world.assert_mirrors_public();
}

/// A site of `posts` posts deploying with the account key to its own container of the shared
/// Azurite, behind a Front Door endpoint whose Resource Manager is the local token endpoint.
fn front_door_site(tokens: &TokenEndpoint, posts: usize) -> (tempfile::TempDir, String) {
    crate::azurite::require_azurite();
    let container = unique_container("purge");
    crate::azurite::create_container(&container);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write(
        "site.toml",
        &format!(
            "title = \"Edge\"\nbase_url = \"https://edge.example\"\n\n\
             [deploy]\naccount = \"{ACCOUNT}\"\ncontainer = \"{container}\"\nendpoint = \"{}\"\n\n\
             [deploy.front_door]\nsubscription = \"0000-sub\"\nresource_group = \"site-rg\"\n\
             profile = \"site-fd\"\nendpoint = \"site-ep\"\ndomains = [\"www.edge.example\"]\n\
             management_endpoint = \"{}\"\n",
            crate::azurite::endpoint(),
            tokens.authority
        ),
    );
    for n in 0..posts {
        write(
            &format!("content/blog/p{n}/index.md"),
            &format!(
                "---\ntitle: Post {n}\ndate: 2024-01-{:02}\n---\n\nBody {n}.\n",
                n % 28 + 1
            ),
        );
    }
    (dir, container)
}

fn build_at(root: &Path) {
    if let Err(problems) = build(&BuildOptions::new(root)) {
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        panic!("the fixture site does not build:\n{}", text.join("\n"));
    }
}

fn deploy_at(root: &Path, args: &[&str], vars: &[(&str, &str)]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .arg("--root")
        .arg(root)
        .arg("deploy")
        .args(args)
        .env_remove("AZURE_STORAGE_CONNECTION_STRING")
        .env_remove("AZURE_STORAGE_SAS_TOKEN")
        .env_remove("AZURE_FEDERATED_TOKEN_FILE")
        .env("AZURE_STORAGE_KEY", KEY)
        .envs(vars.iter().copied())
        .output()
        .expect("the pamphlet binary runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn a_deploy_purges_front_door_of_exactly_what_it_changed_and_waits_for_it() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let certificate = Certificate::new(dir.path());
    let registration = Registration {
        tenant: "tenant-for-purges".into(),
        client_id: "purging-app".into(),
        client_secret: CLIENT_SECRET.into(),
        federated_token: FEDERATED_TOKEN.into(),
        identity_header: String::new(),
    };
    let tokens = TokenEndpoint::start(&certificate, registration);
    let (site, _container) = front_door_site(&tokens, 45);
    let cert = certificate.cert_pem.to_string_lossy().into_owned();
    let vars = [
        ("AZURE_CLIENT_ID", "purging-app"),
        ("AZURE_TENANT_ID", "tenant-for-purges"),
        ("AZURE_CLIENT_SECRET", CLIENT_SECRET),
        ("AZURE_AUTHORITY_HOST", tokens.authority.as_str()),
        ("SSL_CERT_FILE", cert.as_str()),
    ];
    build_at(site.path());

    // Everything is new: nothing stale can be at the edge.
    let first = deploy_at(site.path(), &[], &vars);
    first.assert_success();
    assert!(
        first
            .stdout
            .ends_with("Nothing changed at Front Door endpoint `site-ep`: no purge.\n"),
        "{}",
        first.stdout
    );
    assert!(tokens.take_purges().0.is_empty());

    std::fs::write(
        site.path().join("content/blog/p3/index.md"),
        "---\ntitle: Post 3\ndate: 2024-01-04\n---\n\nA new body.\n",
    )
    .expect("edit");
    build_at(site.path());
    let edited = deploy_at(site.path(), &[], &vars);
    edited.assert_success();
    let (purges, polls) = tokens.take_purges();
    assert_eq!(purges.len(), 1, "{purges:?}");
    let call = &purges[0];
    assert_eq!(
        call.target,
        "/subscriptions/0000-sub/resourceGroups/site-rg/providers/Microsoft.Cdn/profiles/site-fd/afdEndpoints/site-ep/purge"
    );
    assert_eq!(call.domains, ["www.edge.example"]);
    for form in ["/blog/p3/", "/blog/p3", "/blog/p3/index.html"] {
        assert!(
            call.content_paths.contains(&form.to_string()),
            "{form}: {:?}",
            call.content_paths
        );
    }
    let changed: usize = edited
        .stdout
        .lines()
        .filter(|l| l.starts_with("uploaded ") && !l.ends_with("(new)"))
        .count();
    assert!(
        call.content_paths.len() >= changed,
        "{:?}",
        call.content_paths
    );
    assert!(
        !call.content_paths.iter().any(|p| p.contains("card.")),
        "new cards are not purged"
    );
    assert_eq!(polls, 2, "one poll in progress, one done");
    let count = call.content_paths.len();
    assert!(
        edited.stdout.contains(&format!(
            "Purged {count} paths from Front Door endpoint `site-ep` in "
        )),
        "{}",
        edited.stdout
    );

    // Everything again, in batches of at most 100, without waiting.
    let forced = deploy_at(site.path(), &["--force", "--no-wait"], &vars);
    forced.assert_success();
    let (purges, polls) = tokens.take_purges();
    assert!(purges.len() >= 2, "{} batches", purges.len());
    assert!(purges.iter().all(|p| p.content_paths.len() <= 100));
    assert_eq!(polls, 0);
    let total: usize = purges.iter().map(|p| p.content_paths.len()).sum();
    assert!(
        forced.stdout.ends_with(&format!(
            "Asked Front Door endpoint `site-ep` to purge {total} paths; not waiting (--no-wait).\n"
        )),
        "{}",
        forced.stdout
    );

    // A refused purge comes after the upload: the site is deployed, and the message says so.
    tokens.refuse_purges();
    std::fs::write(
        site.path().join("content/blog/p4/index.md"),
        "---\ntitle: Post 4\ndate: 2024-01-05\n---\n\nAnother body.\n",
    )
    .expect("edit");
    build_at(site.path());
    let refused = deploy_at(site.path(), &[], &vars);
    assert_eq!(
        refused.code,
        Some(1),
        "{}{}",
        refused.stdout,
        refused.stderr
    );
    assert!(
        refused
            .stdout
            .contains("uploaded blog/p4/index.html (changed)"),
        "{}",
        refused.stdout
    );
    let line = refused.stderr.trim_end();
    assert!(line.starts_with("deploy failed: the site is deployed, but purging Front Door endpoint `site-ep` failed: Azure Resource Manager refused service principal purging-app (AuthorizationFailed)"), "{line}");
    assert!(line.contains("az afd endpoint purge --resource-group site-rg --profile-name site-fd --endpoint-name site-ep"), "{line}");
    for secret in tokens
        .issued()
        .iter()
        .map(String::as_str)
        .chain([CLIENT_SECRET])
    {
        for run in [&first, &edited, &forced, &refused] {
            assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret));
        }
    }

    // With only a key and no Entra ID identity, a purge cannot sign in: refused before uploading.
    let keyless = deploy_at(site.path(), &[], &[("SSL_CERT_FILE", cert.as_str())]);
    assert_eq!(keyless.code, Some(1));
    assert!(
        keyless
            .stderr
            .contains("purging Front Door needs an Entra ID sign-in"),
        "{}",
        keyless.stderr
    );
    assert!(!keyless.stdout.contains("uploaded"), "{}", keyless.stdout);
}
