//! amazon-ecs-cli's conversion cases, as golden tests: each folder under
//! `tests/fixtures/ecs-cli/` is our own fixture in the shape of one case of
//! ecs-cli's `convert_task_definition_test.go` or `ecs_params_reader_test.go`,
//! with an `expect` file stating what ecs-cli did or what ECS accepts (and,
//! where vanish deliberately differs, why: docs/spec.md "Where vanish differs from
//! ecs-cli"). Each case also has golden stdout and stderr
//! (`VANISH_UPDATE_GOLDEN=1` regenerates them).

#[path = "expect_cases.rs"]
mod expect_cases;

use vanish_e2e::workspace_root;

#[test]
fn ecs_cli_conversion_cases() {
    expect_cases::check_all(&workspace_root().join("tests/fixtures/ecs-cli"), 30);
}
