//! `vanish run`'s core (`cmd::run::execute`) against mocked ECS and
//! CloudWatch Logs clients (aws-smithy-mocks): the exit status is the
//! container's (0, 3, 137 after SIGKILL), a task that cannot start is exit 1
//! with the reasons. Time is virtual (`Pace`), so nothing sleeps for real.

use aws_sdk_cloudwatchlogs::operation::get_log_events::GetLogEventsOutput;
use aws_sdk_cloudwatchlogs::types::OutputLogEvent;
use aws_sdk_ecs::operation::describe_tasks::DescribeTasksOutput;
use aws_sdk_ecs::operation::register_task_definition::RegisterTaskDefinitionOutput;
use aws_sdk_ecs::operation::run_task::RunTaskOutput;
use aws_sdk_ecs::types::{Container, Failure as EcsFailure, Task, TaskDefinition, TaskStopCode};
use aws_smithy_mocks::{Rule, mock};
use std::time::Duration;
mod common;

use vanish::aws::Clients;
use vanish::cmd::run::{execute, one_off};
use vanish::exit::{self, Exit};
use vanish::interrupt::Signals;
use vanish::launch::{Pace, UpOptions};
use vanish::plan::model as m;
use vanish::progress::Progress;

const ARN: &str = "arn:aws:ecs:us-east-1:1:task/default/t9";
const TD: &str = "arn:aws:ecs:us-east-1:1:task-definition/vanish-mr-1-run:1";

fn clients(ecs_rules: &[&Rule], logs_rules: &[&Rule]) -> Clients {
    common::clients(ecs_rules, &[], logs_rules, None)
}

fn container(name: &str) -> m::ContainerDefinition {
    common::awslogs_container(name)
}

/// A two-service app, turned into a one-off run of `web`.
fn plan() -> m::Plan {
    let plan = m::Plan {
        vanish: m::Meta {
            name: "mr-1".into(),
            ttl_seconds: 3600,
            grace_seconds: 10,
            expires_at: "2099-01-01T00:00:00Z".into(),
            cluster: "default".into(),
            capacity: m::Capacity::Fargate,
            public: Vec::new(),
            health_path: None,
            log_group: "/vanish/mr-1".into(),
            region: "us-east-1".into(),
        },
        register_task_definition: m::RegisterTaskDefinition {
            family: "vanish-mr-1".into(),
            network_mode: "awsvpc".into(),
            requires_compatibilities: vec!["FARGATE".into()],
            cpu: "256".into(),
            memory: "512".into(),
            container_definitions: vec![container("web"), container("proxy")],
            ..Default::default()
        },
        run_task: m::RunTask {
            cluster: "default".into(),
            task_definition: "vanish-mr-1".into(),
            launch_type: Some("FARGATE".into()),
            network_configuration: m::NetworkConfiguration {
                awsvpc_configuration: m::AwsVpcConfiguration {
                    subnets: vec!["subnet-1".into()],
                    security_groups: vec!["sg-1".into()],
                    assign_public_ip: "DISABLED".into(),
                },
            },
            started_by: "vanish".into(),
            tags: vec![m::Tag {
                key: "vanish:name".into(),
                value: "mr-1".into(),
            }],
            ..Default::default()
        },
    };
    let cmd = ["manage.py".to_string(), "migrate".to_string()];
    one_off(plan, "web", &cmd, &[("DEBUG".into(), "1".into())]).expect("one-off plan")
}

fn before_run() -> Vec<Rule> {
    vec![
        mock!(aws_sdk_ecs::Client::describe_task_definition)
            .sequence()
            .http_status(
                400,
                Some(
                    r#"{"__type":"ClientException","message":"Unable to describe task definition."}"#
                        .to_string(),
                ),
            )
            .build(),
        mock!(aws_sdk_ecs::Client::register_task_definition)
            .match_requests(|r| {
                r.family() == Some("vanish-mr-1-run") && r.container_definitions().len() == 1
            })
            .then_output(|| {
                RegisterTaskDefinitionOutput::builder()
                    .task_definition(TaskDefinition::builder().task_definition_arn(TD).build())
                    .build()
            }),
    ]
}

fn run_ok() -> Rule {
    mock!(aws_sdk_ecs::Client::run_task)
        .match_requests(|r| {
            let o = r
                .overrides()
                .map(|o| o.container_overrides())
                .unwrap_or_default();
            r.task_definition() == Some(TD)
                && r.tags().iter().any(|t| t.value() == Some("mr-1-run"))
                && o.len() == 1
                && o[0].name() == Some("web")
                && o[0].command() == ["manage.py", "migrate"]
                && o[0]
                    .environment()
                    .iter()
                    .any(|kv| kv.name() == Some("DEBUG"))
        })
        .then_output(|| {
            RunTaskOutput::builder()
                .tasks(
                    Task::builder()
                        .task_arn(ARN)
                        .last_status("PROVISIONING")
                        .build(),
                )
                .build()
        })
}

fn stopped(exit_code: Option<i32>) -> Task {
    let mut c = Container::builder().name("web");
    c = match exit_code {
        Some(code) => c.exit_code(code),
        None => c.reason("CannotPullContainerError: pull access denied"),
    };
    Task::builder()
        .task_arn(ARN)
        .last_status("STOPPED")
        .stop_code(match exit_code {
            Some(_) => TaskStopCode::EssentialContainerExited,
            None => TaskStopCode::TaskFailedToStart,
        })
        .stopped_reason("stopped")
        .containers(c.build())
        .build()
}

async fn run_with(exit_code: Option<i32>) -> (anyhow::Result<Exit>, usize, Vec<Duration>) {
    let describe = mock!(aws_sdk_ecs::Client::describe_tasks)
        .sequence()
        .output(|| {
            DescribeTasksOutput::builder()
                .tasks(Task::builder().task_arn(ARN).last_status("RUNNING").build())
                .build()
        })
        .times(2)
        .output(move || {
            DescribeTasksOutput::builder()
                .tasks(stopped(exit_code))
                .build()
        })
        .build();
    let get = mock!(aws_sdk_cloudwatchlogs::Client::get_log_events)
        .match_requests(|r| r.log_stream_name() == Some("mr-1/web/t9"))
        .then_output(|| {
            GetLogEventsOutput::builder()
                .events(
                    OutputLogEvent::builder()
                        .timestamp(1)
                        .message("migrating")
                        .build(),
                )
                .next_forward_token("f/1")
                .build()
        });
    let mut rules = before_run();
    rules.push(run_ok());
    rules.push(describe);
    let ecs: Vec<&Rule> = rules.iter().collect();
    let pace = Pace::virtual_time();
    let mut opts = UpOptions::new(
        "tok".into(),
        Progress::new(Box::new(std::io::sink()), false, true),
    );
    opts.pace = pace.clone();
    opts.wait = None;
    let got = execute(
        &clients(&ecs, &[&get]),
        plan(),
        opts,
        Duration::from_secs(2),
        &mut Signals::channel().1,
    )
    .await;
    (got, get.num_calls(), pace.slept())
}

#[tokio::test]
async fn the_exit_status_is_the_container_s() {
    for code in [0, 3, 137] {
        let (got, log_calls, slept) = run_with(Some(code)).await;
        let exit = got.expect("a container exit");
        assert_eq!(exit, Exit::Container(u8::try_from(code).expect("u8")));
        assert_eq!(exit.code(), u8::try_from(code).expect("u8"));
        // Two RUNNING polls, then STOPPED: three drains of the one stream.
        assert!(log_calls >= 3, "{log_calls}");
        assert_eq!(slept, vec![Duration::from_secs(2); 2]);
    }
}

#[tokio::test]
async fn a_task_that_never_ran_its_container_is_exit_1_with_the_reasons() {
    let (got, _, _) = run_with(None).await;
    let err = got.expect_err("no exit code");
    assert_eq!(exit::code_of(&err), Exit::TaskFailed);
    assert_eq!(
        exit::render(&err),
        "error: task t9 stopped without an exit code\n  stopCode: TaskFailedToStart\n  stoppedReason: stopped\n  container web: exitCode none, reason: CannotPullContainerError: pull access denied"
    );
}

#[tokio::test]
async fn run_task_failures_are_exit_1_with_the_reasons() {
    let run = mock!(aws_sdk_ecs::Client::run_task).then_output(|| {
        RunTaskOutput::builder()
            .failures(
                EcsFailure::builder()
                    .arn("arn:aws:ecs:us-east-1:1:cluster/default")
                    .reason("RESOURCE:MEMORY")
                    .build(),
            )
            .build()
    });
    let mut rules = before_run();
    rules.push(run);
    let ecs: Vec<&Rule> = rules.iter().collect();
    let mut opts = UpOptions::new(
        "tok".into(),
        Progress::new(Box::new(std::io::sink()), false, true),
    );
    opts.pace = Pace::virtual_time();
    opts.wait = None;
    let err = execute(
        &clients(&ecs, &[]),
        plan(),
        opts,
        Duration::from_secs(2),
        &mut Signals::channel().1,
    )
    .await
    .expect_err("could not start");
    assert_eq!(exit::code_of(&err), Exit::TaskFailed);
    assert_eq!(
        exit::render(&err),
        "error: ECS did not start the task\n  arn:aws:ecs:us-east-1:1:cluster/default: RESOURCE:MEMORY"
    );
}
