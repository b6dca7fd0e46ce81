//! A compose file must not copy the CI job's secrets into a task, end to
//! end through `vanish render`: no `env_file` from /proc (directly or by a
//! symlink), no interpolation or pass-through of the runner's credentials,
//! masking by more name patterns and of URL passwords, and no interpolated
//! secret inside an error message.

use std::path::PathBuf;

use vanish_e2e::Output;
use vanish_e2e::render::render_with;

const ROLE: &str = "arn:aws:iam::123456789012:role/vanish-task-execution";

struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str, compose: &str) -> Dir {
        let p = std::env::temp_dir().join(format!("vanish-secrets-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("temp dir");
        std::fs::write(p.join("docker-compose.yml"), compose).expect("write");
        Dir(p)
    }

    fn render(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        // The execution role a real spec names (ECS needs one for awslogs).
        let mut env = env.to_vec();
        env.push(("VANISH_EXECUTION_ROLE_ARN", ROLE));
        render_with(&self.0, args, &env)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A value no output may show.
const SECRET: &str = "wJalrXUtnFEMI-K7MDENG-bPxRfiCY-EXAMPLEKEY";

fn assert_exit2(out: &Output, stderr: &str) {
    assert_eq!(
        (out.code(), out.stderr.as_str(), out.stdout.as_str()),
        (2, stderr, ""),
        "{out:?}"
    );
    assert!(!out.stderr.contains(SECRET));
}

#[test]
fn env_file_from_proc_is_refused_even_through_a_symlink() {
    let d = Dir::new(
        "proc",
        "services:\n  web:\n    image: nginx\n    env_file: /proc/self/environ\n",
    );
    let env = [("AWS_SECRET_ACCESS_KEY", SECRET)];
    let out = d.render(&[], &env);
    let head =
        "error: cannot read env_file '/proc/self/environ' in service 'web': it resolves to /proc/";
    let tail = format!(
        "/environ, under /proc: vanish reads no spec file from /proc, /sys or /dev\n  --> docker-compose.yml:4:15\n  hint: the path is relative to {}\n",
        d.0.display()
    );
    assert!(
        out.stderr.starts_with(head) && out.stderr.ends_with(&tail),
        "{out:?}"
    );
    assert_eq!((out.code(), out.stdout.as_str()), (2, ""));
    assert!(!out.stderr.contains(SECRET));

    let linked = Dir::new(
        "symlink",
        "services:\n  web:\n    image: nginx\n    env_file: [review.env]\n",
    );
    std::os::unix::fs::symlink("/proc/self/environ", linked.0.join("review.env")).expect("symlink");
    let out = linked.render(&[], &env);
    assert!(
        out.stderr.starts_with(
            "error: cannot read env_file 'review.env' in service 'web': it resolves to /proc/"
        ),
        "{out:?}"
    );
    assert_eq!((out.code(), out.stdout.as_str()), (2, ""));
    assert!(!out.stderr.contains(SECRET));
}

#[test]
fn runner_credentials_are_never_interpolated_nor_passed_through() {
    let d = Dir::new(
        "creds",
        "services:\n  web:\n    image: nginx\n    environment:\n      CFG: ${AWS_SECRET_ACCESS_KEY}\n      ID: \"${ACTIONS_ID_TOKEN_REQUEST_TOKEN:-none}\"\n      JOB: $CI_JOB_TOKEN\n      GITHUB_TOKEN:\n",
    );
    let env = [
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", SECRET),
        ("CI_JOB_TOKEN", SECRET),
        ("GITHUB_TOKEN", SECRET),
    ];
    let hint = "  hint: give the task its own access: a task role (task_role_arn), or ecs-params 'secrets' with 'value_from'\n";
    assert_exit2(
        &d.render(&[], &env),
        &format!(
            "error: 'AWS_SECRET_ACCESS_KEY' is a credential of the CI runner; vanish never copies it into a task\n  --> docker-compose.yml:5:12\n{hint}\
error: 'ACTIONS_ID_TOKEN_REQUEST_TOKEN' is a credential of the CI runner; vanish never copies it into a task\n  --> docker-compose.yml:6:11\n{hint}\
error: 'CI_JOB_TOKEN' is a credential of the CI runner; vanish never copies it into a task\n  --> docker-compose.yml:7:12\n{hint}\
error: 'GITHUB_TOKEN' is a credential of the CI runner; vanish never copies it into a task\n{hint}"
        ),
    );
}

#[test]
fn more_secret_names_and_url_passwords_are_masked() {
    let d = Dir::new(
        "mask",
        "services:\n  web:\n    image: nginx\n    environment:\n      SMTP_PASS: p1-secret\n      LDAP_PASSWD: p2-secret\n      GCP_CREDENTIALS: p3-secret\n      REGISTRY_AUTH: p4-secret\n      DATABASE_URL: postgres://app:p5-secret@db:5432/app\n      APP_ENV: review\n",
    );
    let out = d.render(&["--only", "task-definition"], &[]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(!out.stdout.contains("-secret"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("\"value\": \"postgres://app:********@db:5432/app\""),
        "{}",
        out.stdout
    );
    assert_eq!(out.stdout.matches("\"value\": \"********\"").count(), 4);
    assert!(out.stdout.contains("\"value\": \"review\""));
    let shown = d.render(&["--only", "task-definition", "--show-secrets"], &[]);
    assert_eq!(
        shown.stdout.matches("-secret").count(),
        5,
        "{}",
        shown.stdout
    );
}

#[test]
fn an_interpolated_secret_never_shows_in_an_error() {
    let d = Dir::new(
        "error",
        "services:\n  web:\n    image: nginx\n    command: \"m --password=${DB_PASSWORD} --url=${DATABASE_URL} 'x\"\n",
    );
    let env = [
        ("DB_PASSWORD", SECRET),
        ("DATABASE_URL", "postgres://app:url-pa55word@db/app"),
    ];
    let out = d.render(&[], &env);
    assert_exit2(
        &out,
        "error: 'command' in service 'web': unterminated single quote in 'm --password=******** --url=postgres://app:********@db/app 'x'\n  --> docker-compose.yml:4:14\n",
    );
    assert!(!out.stderr.contains("url-pa55word"));
}
