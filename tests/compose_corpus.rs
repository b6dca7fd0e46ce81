//! A corpus of compose files in the shapes docker/awesome-compose uses
//! (our own small files under `tests/fixtures/compose-corpus/`): every one
//! renders or is refused with located errors, never a crash, and each says
//! what it should (`expect`) with golden stdout and stderr.

#[path = "expect_cases.rs"]
mod expect_cases;

use vanish_e2e::workspace_root;

#[test]
fn awesome_compose_shapes() {
    expect_cases::check_all(&workspace_root().join("tests/fixtures/compose-corpus"), 8);
}
