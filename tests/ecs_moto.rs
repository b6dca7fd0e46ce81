//! ECS/EC2 lookups against moto behind the strict AWS layer: a network
//! interface EC2 no longer knows (its task stopped between ListTasks and
//! DescribeNetworkInterfaces) is simply absent, never a failure of the
//! whole lookup (issue 10, defect 4).

use vanish_e2e::moto::Moto;

#[test]
fn ls_lists_every_app_when_one_network_interface_is_gone() {
    let moto = Moto::start();
    moto.fixture(&["spawn", "2", "eni", "2099-01-01T00:00:00Z"]);
    let gone = moto.fixture(&["drop-eni", "eni-0"]).trim().to_string();
    assert!(gone.starts_with("eni-"), "{gone}");
    let ls = moto.run_vanish(&["ls", "--output", "json"]);
    assert_eq!(ls.code(), 0, "{ls:?}");
    assert_eq!(ls.stderr, "", "{ls:?}");
    let apps: serde_json::Value = serde_json::from_str(&ls.stdout).expect("json");
    let mut names: Vec<&str> = apps
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    names.sort();
    assert_eq!(names, ["eni-0", "eni-1"], "{}", ls.stdout);
}
