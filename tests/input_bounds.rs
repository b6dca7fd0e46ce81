//! Hostile input to `vanish render`, end to end: FIFOs (each run has a
//! deadline, so a hang fails the test), `/dev/zero`, a directory, oversized
//! files, a YAML alias bomb, an interpolation bomb, invalid UTF-8, an empty
//! name and a far-future `--now`. Each is a clear exit 2 with exact stderr;
//! nothing here talks to AWS.

use std::path::PathBuf;
use std::process::Command;

use vanish_e2e::Output;
use vanish_e2e::render::render_with;

/// A fresh folder, removed when dropped (even when the test fails).
const ROLE: &str = "arn:aws:iam::123456789012:role/vanish-task-execution";

struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let p = std::env::temp_dir().join(format!("vanish-input-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("temp dir");
        Dir(p)
    }

    fn write(&self, name: &str, text: impl AsRef<[u8]>) -> &Self {
        std::fs::write(self.0.join(name), text).expect("write");
        self
    }

    fn fifo(&self, name: &str) -> &Self {
        let st = Command::new("mkfifo")
            .arg(self.0.join(name))
            .status()
            .expect("mkfifo runs");
        assert!(st.success(), "mkfifo {name}");
        self
    }

    fn render(&self, args: &[&str]) -> Output {
        self.render_env(args, &[])
    }

    fn render_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
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

const WEB: &str = "services:\n  web:\n    image: nginx\n";

fn assert_exit2(out: &Output, stderr: &str) {
    assert_eq!(
        (out.code(), out.stderr.as_str(), out.stdout.as_str()),
        (2, stderr, ""),
        "{out:?}"
    );
}

#[test]
fn a_fifo_anywhere_is_refused_without_hanging() {
    let d = Dir::new("fifo");
    d.fifo("fifo.yml").fifo("params.fifo");
    assert_exit2(
        &d.render(&["-f", "fifo.yml"]),
        "error: cannot read fifo.yml: it is a FIFO, not a regular file\n  hint: check the path given with -f or --params\n",
    );
    d.write("docker-compose.yml", WEB);
    assert_exit2(
        &d.render(&["--params", "params.fifo"]),
        "error: cannot read params.fifo: it is a FIFO, not a regular file\n  hint: check the path given with -f or --params\n",
    );
    d.fifo(".env");
    assert_exit2(
        &d.render(&[]),
        "error: cannot read .env: it is a FIFO, not a regular file\n  hint: fix or remove the .env file beside the compose file\n",
    );
    std::fs::remove_file(d.0.join(".env")).expect("rm .env");
    d.fifo("app.env").write(
        "docker-compose.yml",
        "services:\n  web:\n    image: nginx\n    env_file: app.env\n",
    );
    assert_exit2(
        &d.render(&[]),
        &format!(
            "error: cannot read env_file 'app.env' in service 'web': it is a FIFO, not a regular file\n  --> docker-compose.yml:4:15\n  hint: the path is relative to {}\n",
            d.0.display()
        ),
    );
}

#[test]
fn devices_directories_and_big_files_are_refused() {
    let d = Dir::new("dev");
    assert_exit2(
        &d.render(&["-f", "/dev/zero"]),
        "error: cannot read /dev/zero: it resolves to /dev/zero, under /dev: vanish reads no spec file from /proc, /sys or /dev\n  hint: check the path given with -f or --params\n",
    );
    std::fs::create_dir(d.0.join("sub")).expect("mkdir");
    assert_exit2(
        &d.render(&["-f", "sub"]),
        "error: cannot read sub: it is a directory, not a regular file\n  hint: check the path given with -f or --params\n",
    );
    let mut big = String::from(WEB);
    big.push_str("x-pad: \"");
    big.push_str(&"x".repeat(5 << 20));
    big.push_str("\"\n");
    d.write("big.yml", big);
    assert_exit2(
        &d.render(&["-f", "big.yml"]),
        "error: cannot read big.yml: it is larger than 4 MiB\n  hint: check the path given with -f or --params\n",
    );
}

#[test]
fn a_big_scalar_aliased_twelve_thousand_times_is_an_error() {
    let d = Dir::new("alias");
    // 256 KiB aliased 12,000 times: a 340 KB file that would expand to 3 GB.
    let text = format!(
        "{WEB}x-big: &big \"{}\"\nx-copies: [{}]\n",
        "x".repeat(256 << 10),
        "*big, ".repeat(12_000)
    );
    assert!(text.len() < 400_000);
    d.write("docker-compose.yml", text);
    let out = d.render(&[]);
    assert_exit2(
        &out,
        "error: the document expands to more than 8 MiB of text\n  --> docker-compose.yml:5:192\n  hint: aliases expand to copies; alias big values less often\n",
    );
}

#[test]
fn a_big_variable_interpolated_three_thousand_times_is_an_error() {
    let d = Dir::new("interp");
    // 1 MiB from .env (no environment variable may be that long), used 3,000 times.
    d.write(".env", format!("BIG={}\n", "y".repeat(1 << 20)));
    let uses: String = (0..3000).map(|i| format!("  V{i}: ${{BIG}}\n")).collect();
    d.write("docker-compose.yml", format!("{WEB}x-uses:\n{uses}"));
    assert_exit2(
        &d.render(&[]),
        "error: interpolating variables makes the document longer than 8 MiB\n  --> docker-compose.yml:13:7\n  hint: a variable with a big value is used many times; pass big data another way\n",
    );
}

#[test]
fn a_dot_env_with_invalid_utf8_names_the_file_and_line() {
    let d = Dir::new("utf8");
    d.write("docker-compose.yml", WEB)
        .write(".env", b"A=1\n# ok\nB=\xff\xfe\n".as_slice());
    assert_exit2(
        &d.render(&[]),
        "error: cannot read .env: it is not UTF-8 text (line 3)\n  hint: fix or remove the .env file beside the compose file\n",
    );
    let in_env_file = Dir::new("utf8-env-file");
    in_env_file
        .write(
            "docker-compose.yml",
            "services:\n  web:\n    image: nginx\n    env_file: [app.env]\n",
        )
        .write("app.env", b"\xc3\n".as_slice());
    assert_exit2(
        &in_env_file.render(&[]),
        &format!(
            "error: cannot read env_file 'app.env' in service 'web': it is not UTF-8 text (line 1)\n  --> docker-compose.yml:4:16\n  hint: the path is relative to {}\n",
            in_env_file.0.display()
        ),
    );
}

#[test]
fn an_empty_name_variable_is_unset_and_an_empty_flag_is_refused() {
    let d = Dir::new("name");
    d.write("docker-compose.yml", WEB);
    let ci = [("CI_MERGE_REQUEST_IID", "7"), ("VANISH_NAME", "")];
    let out = d.render_env(&["--only", "task-definition"], &ci);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(
        out.stdout.starts_with("{\n  \"family\": \"vanish-mr-7\","),
        "{}",
        out.stdout
    );
    assert_exit2(
        &d.render_env(&["--name", ""], &ci),
        "error: --name is empty\n  hint: pass a name such as mr-42, or leave --name out to take it from the CI environment\n",
    );
    // Other empty mirrors are unset too (VANISH_TTL= would not parse).
    let out = d.render_env(&[], &[("VANISH_TTL", ""), ("VANISH_OUTPUT", "")]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    d.write(
        "docker-compose.yml",
        format!("{WEB}x-vanish:\n  name: \"\"\n"),
    );
    assert_exit2(
        &d.render(&[]),
        "error: the review-app name is empty\n  --> docker-compose.yml:5:9\n  hint: give a name such as mr-42, or leave it out to take it from the CI environment\n",
    );
}

#[test]
fn a_far_future_now_is_an_error_not_a_panic() {
    let d = Dir::new("now");
    d.write("docker-compose.yml", WEB);
    assert_exit2(
        &d.render(&["--now", "9999-12-31T23:00:00Z"]),
        "error: VANISH_NOW/--now '9999-12-31T23:00:00Z' is later than 9999-12-01T23:59:59Z, the last time a 30-day TTL can end by\n  hint: write a UTC time such as 2026-11-21T12:00:00Z\n",
    );
    let out = d.render(&["--now", "9999-12-01T23:59:59Z", "--ttl", "30days"]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("9999-12-31T23:59:59Z"),
        "{}",
        out.stdout
    );
}
