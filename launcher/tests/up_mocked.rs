//! `launch::up` against mocked ECS/EC2 clients (aws-smithy-mocks): the paths
//! moto cannot produce. Real SDK clients, request serialisation and error
//! parsing; only the HTTP layer is replaced. Time is virtual (`Pace`), so no
//! test sleeps for real.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_ec2::operation::describe_network_interfaces::DescribeNetworkInterfacesOutput;
use aws_sdk_ec2::types::{NetworkInterface, NetworkInterfaceAssociation};
use aws_sdk_ecs::operation::describe_tasks::DescribeTasksOutput;
use aws_sdk_ecs::operation::list_tasks::ListTasksOutput;
use aws_sdk_ecs::operation::register_task_definition::RegisterTaskDefinitionOutput;
use aws_sdk_ecs::operation::run_task::RunTaskOutput;
use aws_sdk_ecs::types::{
    Attachment, Container, Failure as EcsFailure, KeyValuePair, Task, TaskDefinition, TaskStopCode,
};
use aws_smithy_mocks::{Rule, mock};
mod common;

use vanish::aws::Clients;
use vanish::exit::{self, Exit};
use vanish::interrupt::Signals;
use vanish::launch::{self, Pace, UpOptions};
use vanish::plan::model as m;
use vanish::progress::Progress;

const ARN: &str = "arn:aws:ecs:us-east-1:1:task/default/t1";
const TD: &str = "arn:aws:ecs:us-east-1:1:task-definition/vanish-mr-1:1";

fn retry() -> aws_sdk_ecs::config::retry::RetryConfig {
    aws_sdk_ecs::config::retry::RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(1))
}

fn clients(ecs_rules: &[&Rule], ec2_rules: &[&Rule]) -> Clients {
    clients_with_logs(ecs_rules, ec2_rules, &[])
}

fn clients_with_logs(ecs_rules: &[&Rule], ec2_rules: &[&Rule], logs_rules: &[&Rule]) -> Clients {
    common::clients(ecs_rules, ec2_rules, logs_rules, Some(retry()))
}

fn plan() -> m::Plan {
    m::Plan {
        vanish: m::Meta {
            name: "mr-1".into(),
            ttl_seconds: 3600,
            grace_seconds: 10,
            expires_at: "2099-01-01T00:00:00Z".into(),
            cluster: "default".into(),
            capacity: m::Capacity::Fargate,
            public: vec![m::PublicPort {
                service: "web".into(),
                port: 80,
            }],
            health_path: None,
            log_group: "/vanish".into(),
            region: "us-east-1".into(),
        },
        register_task_definition: m::RegisterTaskDefinition {
            family: "vanish-mr-1".into(),
            network_mode: "awsvpc".into(),
            requires_compatibilities: vec!["FARGATE".into()],
            cpu: "256".into(),
            memory: "512".into(),
            container_definitions: vec![m::ContainerDefinition {
                name: "web".into(),
                image: "nginx".into(),
                essential: true,
                ..Default::default()
            }],
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
                    assign_public_ip: "ENABLED".into(),
                },
            },
            started_by: "vanish".into(),
            ..Default::default()
        },
    }
}

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);
impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::ErrorKind::Other)?
            .extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
impl Buf {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

fn opts(buf: &Buf) -> UpOptions {
    let mut o = UpOptions::new(
        "token-1".into(),
        Progress::new(Box::new(buf.clone()), false, false),
    );
    o.pace = Pace::virtual_time();
    o
}

fn task(status: &str, eni: bool) -> Task {
    let mut t = Task::builder().task_arn(ARN).last_status(status);
    if eni {
        t = t.attachments(
            Attachment::builder()
                .r#type("ElasticNetworkInterface")
                .details(
                    KeyValuePair::builder()
                        .name("networkInterfaceId")
                        .value("eni-1")
                        .build(),
                )
                .details(
                    KeyValuePair::builder()
                        .name("privateIPv4Address")
                        .value("10.0.0.5")
                        .build(),
                )
                .build(),
        );
    }
    t.build()
}

fn error_body(code: &str, message: &str) -> Option<String> {
    Some(format!(r#"{{"__type":"{code}","message":"{message}"}}"#))
}

/// The rules every launch goes through before RunTask: no earlier revision,
/// register, no task of the same name.
fn before_run() -> Vec<Rule> {
    vec![
        mock!(aws_sdk_ecs::Client::describe_task_definition)
            .sequence()
            .http_status(
                400,
                error_body("ClientException", "Unable to describe task definition."),
            )
            .build(),
        mock!(aws_sdk_ecs::Client::register_task_definition).then_output(|| {
            RegisterTaskDefinitionOutput::builder()
                .task_definition(TaskDefinition::builder().task_definition_arn(TD).build())
                .build()
        }),
        mock!(aws_sdk_ecs::Client::list_tasks).then_output(|| ListTasksOutput::builder().build()),
    ]
}

fn run_ok() -> Rule {
    mock!(aws_sdk_ecs::Client::run_task)
        .match_requests(|r| r.client_token() == Some("token-1") && r.task_definition() == Some(TD))
        .then_output(|| {
            RunTaskOutput::builder()
                .tasks(task("PROVISIONING", false))
                .build()
        })
}

#[tokio::test]
async fn provisioning_pending_running_with_the_eni_midway_and_the_ip_a_poll_later() {
    let describe = mock!(aws_sdk_ecs::Client::describe_tasks)
        .sequence()
        .output(|| {
            DescribeTasksOutput::builder()
                .tasks(task("PROVISIONING", false))
                .build()
        })
        .output(|| {
            DescribeTasksOutput::builder()
                .tasks(task("PENDING", true))
                .build()
        })
        .output(|| {
            DescribeTasksOutput::builder()
                .tasks(task("RUNNING", true))
                .build()
        })
        .repeatedly()
        .build();
    let eni = mock!(aws_sdk_ec2::Client::describe_network_interfaces)
        .sequence()
        .output(|| {
            DescribeNetworkInterfacesOutput::builder()
                .network_interfaces(
                    NetworkInterface::builder()
                        .network_interface_id("eni-1")
                        .build(),
                )
                .build()
        })
        .times(2)
        .output(|| {
            DescribeNetworkInterfacesOutput::builder()
                .network_interfaces(
                    NetworkInterface::builder()
                        .network_interface_id("eni-1")
                        .association(
                            NetworkInterfaceAssociation::builder()
                                .public_ip("3.4.5.6")
                                .build(),
                        )
                        .build(),
                )
                .build()
        })
        .build();
    let mut rules = before_run();
    rules.push(run_ok());
    rules.push(describe);
    let ecs: Vec<&Rule> = rules.iter().collect();
    let c = clients(&ecs, &[&eni]);
    let buf = Buf::default();
    let o = opts(&buf);
    let pace = o.pace.clone();
    let out = launch::up(&c, plan(), o, &mut Signals::channel().1)
        .await
        .expect("up");
    assert_eq!(out.public_ip.as_deref(), Some("3.4.5.6"));
    assert_eq!(out.private_ip.as_deref(), Some("10.0.0.5"));
    assert_eq!(out.urls, vec!["http://3.4.5.6:80".to_string()]);
    assert_eq!(out.task_definition, TD);
    // ENI looked up at PENDING (no IP), at RUNNING (no IP), then a poll later.
    assert_eq!(eni.num_calls(), 3);
    let s = Duration::from_secs;
    assert_eq!(pace.slept(), vec![s(1), s(2), s(4)]);
    let text = buf.text();
    let statuses: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split("vanish: ").nth(1))
        .collect();
    assert_eq!(
        statuses,
        [
            "PROVISIONING after 0.0s",
            "PENDING after 1.0s",
            "RUNNING after 3.0s"
        ]
    );
}

#[tokio::test]
async fn run_task_failures_are_reported_with_exit_1() {
    let run = mock!(aws_sdk_ecs::Client::run_task).then_output(|| {
        RunTaskOutput::builder()
            .failures(
                EcsFailure::builder()
                    .arn("arn:aws:ecs:us-east-1:1:capacity-provider/FARGATE_SPOT")
                    .reason("Capacity is unavailable at this time")
                    .build(),
            )
            .build()
    });
    let mut rules = before_run();
    rules.push(run);
    let ecs: Vec<&Rule> = rules.iter().collect();
    let err = launch::up(
        &clients(&ecs, &[]),
        plan(),
        opts(&Buf::default()),
        &mut Signals::channel().1,
    )
    .await
    .expect_err("must fail");
    assert_eq!(exit::code_of(&err), Exit::TaskFailed);
    assert_eq!(
        exit::render(&err),
        "error: ECS did not start the task\n  arn:aws:ecs:us-east-1:1:capacity-provider/FARGATE_SPOT: Capacity is unavailable at this time"
    );
}

#[tokio::test]
async fn throttling_is_retried_with_the_same_client_token() {
    let run = mock!(aws_sdk_ecs::Client::run_task)
        .match_requests(|r| r.client_token() == Some("token-1"))
        .sequence()
        .http_status(400, error_body("ThrottlingException", "Rate exceeded"))
        .output(|| {
            RunTaskOutput::builder()
                .tasks(task("RUNNING", true))
                .build()
        })
        .build();
    let describe = mock!(aws_sdk_ecs::Client::describe_tasks).then_output(|| {
        DescribeTasksOutput::builder()
            .tasks(task("RUNNING", true))
            .build()
    });
    let mut rules = before_run();
    rules.push(run);
    rules.push(describe);
    let ecs: Vec<&Rule> = rules.iter().collect();
    let mut p = plan();
    p.run_task
        .network_configuration
        .awsvpc_configuration
        .assign_public_ip = "DISABLED".into();
    let out = launch::up(
        &clients(&ecs, &[]),
        p,
        opts(&Buf::default()),
        &mut Signals::channel().1,
    )
    .await
    .expect("retried");
    assert_eq!(rules[3].num_calls(), 2, "one throttled call, one retry");
    assert_eq!(out.urls, vec!["http://10.0.0.5:80".to_string()]);
}

#[tokio::test]
async fn access_denied_is_exit_3_naming_the_iam_action() {
    let run = mock!(aws_sdk_ecs::Client::run_task)
        .sequence()
        .http_status(
            400,
            error_body(
                "AccessDeniedException",
                "User: arn:aws:iam::1:user/ci is not authorized to perform: ecs:RunTask",
            ),
        )
        .build();
    let mut rules = before_run();
    rules.push(run);
    let ecs: Vec<&Rule> = rules.iter().collect();
    let err = launch::up(
        &clients(&ecs, &[]),
        plan(),
        opts(&Buf::default()),
        &mut Signals::channel().1,
    )
    .await
    .expect_err("must fail");
    assert_eq!(exit::code_of(&err), Exit::Aws);
    assert_eq!(
        exit::render(&err),
        "error: access denied: the AWS identity may not call ecs:RunTask\n  --> User: arn:aws:iam::1:user/ci is not authorized to perform: ecs:RunTask\n  hint: grant ecs:RunTask to the role or user vanish runs as"
    );
}

#[tokio::test]
async fn health_path_is_polled_until_it_answers_2xx() {
    use std::io::{Read, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = std::thread::spawn(move || {
        let mut paths = Vec::new();
        for status in ["503 Service Unavailable", "200 OK"] {
            let (mut s, _) = listener.accept().expect("accept");
            let mut buf = [0u8; 1024];
            let n = s.read(&mut buf).expect("read");
            let req = String::from_utf8_lossy(&buf[..n]).into_owned();
            paths.push(req.split_whitespace().nth(1).unwrap_or("").to_string());
            let _ =
                s.write_all(format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n").as_bytes());
        }
        paths
    });
    let describe = mock!(aws_sdk_ecs::Client::describe_tasks).then_output(|| {
        DescribeTasksOutput::builder()
            .tasks(task("RUNNING", true))
            .build()
    });
    let eni = mock!(aws_sdk_ec2::Client::describe_network_interfaces).then_output(|| {
        DescribeNetworkInterfacesOutput::builder()
            .network_interfaces(
                NetworkInterface::builder()
                    .association(
                        NetworkInterfaceAssociation::builder()
                            .public_ip("127.0.0.1")
                            .build(),
                    )
                    .build(),
            )
            .build()
    });
    let mut rules = before_run();
    rules.push(run_ok());
    rules.push(describe);
    let ecs: Vec<&Rule> = rules.iter().collect();
    let mut p = plan();
    p.vanish.public = vec![m::PublicPort {
        service: "web".into(),
        port,
    }];
    p.vanish.health_path = Some("/healthz".into());
    let out = launch::up(
        &clients(&ecs, &[&eni]),
        p,
        opts(&Buf::default()),
        &mut Signals::channel().1,
    )
    .await
    .expect("healthy");
    assert_eq!(out.urls, vec![format!("http://127.0.0.1:{port}")]);
    assert_eq!(server.join().expect("server"), ["/healthz", "/healthz"]);
}

#[tokio::test]
async fn listing_follows_next_tokens_and_describes_in_batches_of_100() {
    fn page(from: usize, to: usize, next: Option<&str>) -> ListTasksOutput {
        ListTasksOutput::builder()
            .set_task_arns(Some(
                (from..to)
                    .map(|i| format!("arn:aws:ecs:us-east-1:1:task/default/t{i}"))
                    .collect(),
            ))
            .set_next_token(next.map(str::to_string))
            .build()
    }
    let list = mock!(aws_sdk_ecs::Client::list_tasks)
        .match_requests(|r| r.started_by() == Some("vanish"))
        .sequence()
        .output(|| page(0, 100, Some("p2")))
        .output(|| page(100, 200, Some("p3")))
        .output(|| page(200, 250, None))
        .build();
    let describe = mock!(aws_sdk_ecs::Client::describe_tasks)
        .match_requests(|r| r.tasks().len() <= 100)
        .then_compute_output(|r| {
            let mut out = DescribeTasksOutput::builder();
            for arn in r.tasks() {
                out = out.tasks(
                    Task::builder()
                        .task_arn(arn)
                        .last_status("RUNNING")
                        .tags(
                            aws_sdk_ecs::types::Tag::builder()
                                .key("vanish:name")
                                .value(arn.rsplit('/').next().unwrap_or(""))
                                .build(),
                        )
                        .build(),
                );
            }
            out.build()
        });
    let c = clients(&[&list, &describe], &[]);
    let tasks = vanish::aws::ecs::list_vanish_tasks(&c.ecs, "default")
        .await
        .expect("listed");
    assert_eq!(tasks.len(), 250);
    assert_eq!(list.num_calls(), 3);
    assert_eq!(describe.num_calls(), 3);
    let apps: Vec<vanish::apps::App> = tasks
        .iter()
        .filter_map(vanish::apps::App::from_task)
        .collect();
    assert_eq!(apps.len(), 250);
    assert_eq!(apps[249].name, "t249");
}

#[tokio::test]
async fn run_task_request_carries_spot_exec_tags_network_and_platform() {
    let run = mock!(aws_sdk_ecs::Client::run_task)
        .match_requests(|r| {
            let strategy = r.capacity_provider_strategy();
            let net = r
                .network_configuration()
                .and_then(|n| n.awsvpc_configuration())
                .expect("awsvpc");
            let env = r
                .overrides()
                .map(|o| o.container_overrides())
                .unwrap_or_default();
            r.launch_type().is_none()
                && strategy.len() == 1
                && strategy[0].capacity_provider() == "FARGATE_SPOT"
                && strategy[0].weight() == 1
                && r.platform_version() == Some("1.4.0")
                && r.enable_execute_command() == Some(true)
                && r.started_by() == Some("vanish")
                && r.client_token() == Some("token-1")
                && r.count() == Some(1)
                && net.subnets() == ["subnet-1"]
                && net.security_groups() == ["sg-1"]
                && net.assign_public_ip() == Some(&aws_sdk_ecs::types::AssignPublicIp::Disabled)
                && r.tags()
                    .iter()
                    .any(|t| t.key() == Some("vanish:name") && t.value() == Some("mr-1"))
                && env.len() == 1
                && env[0].environment()[0].name() == Some("VANISH_DEADLINE")
        })
        .then_output(|| {
            RunTaskOutput::builder()
                .tasks(task("RUNNING", true))
                .build()
        });
    let describe = mock!(aws_sdk_ecs::Client::describe_tasks).then_output(|| {
        DescribeTasksOutput::builder()
            .tasks(task("RUNNING", true))
            .build()
    });
    let mut rules = before_run();
    rules.push(run);
    rules.push(describe);
    let ecs: Vec<&Rule> = rules.iter().collect();
    let mut p = plan();
    p.run_task.launch_type = None;
    p.run_task.capacity_provider_strategy = vec![m::CapacityProviderStrategyItem {
        capacity_provider: "FARGATE_SPOT".into(),
        weight: 1,
        base: None,
    }];
    p.run_task.platform_version = Some("1.4.0".into());
    p.run_task.enable_execute_command = true;
    p.run_task
        .network_configuration
        .awsvpc_configuration
        .assign_public_ip = "DISABLED".into();
    p.run_task.tags = vec![m::Tag {
        key: "vanish:name".into(),
        value: "mr-1".into(),
    }];
    p.run_task.overrides.container_overrides = vec![m::ContainerOverride {
        name: "web".into(),
        command: None,
        environment: vec![m::KeyValue {
            name: "VANISH_DEADLINE".into(),
            value: "2099-01-01T00:00:00Z".into(),
        }],
    }];
    let out = launch::up(
        &clients(&ecs, &[]),
        p,
        opts(&Buf::default()),
        &mut Signals::channel().1,
    )
    .await
    .expect("request as planned");
    assert_eq!(out.private_ip.as_deref(), Some("10.0.0.5"));
    assert_eq!(rules[3].num_calls(), 1);
}

#[tokio::test]
async fn a_crashed_container_s_last_log_lines_follow_the_stop_report_unless_no_logs() {
    use aws_sdk_cloudwatchlogs::operation::get_log_events::GetLogEventsOutput;
    use aws_sdk_cloudwatchlogs::types::OutputLogEvent;
    let crashed = || {
        DescribeTasksOutput::builder()
            .tasks(
                Task::builder()
                    .task_arn(ARN)
                    .last_status("STOPPED")
                    .stop_code(TaskStopCode::EssentialContainerExited)
                    .stopped_reason("Essential container in task exited")
                    .containers(Container::builder().name("web").exit_code(1).build())
                    .containers(Container::builder().name("side").exit_code(0).build())
                    .build(),
            )
            .build()
    };
    let mut p = plan();
    p.register_task_definition.container_definitions = vec![
        common::awslogs_container("web"),
        common::awslogs_container("side"),
    ];
    for (lines, want_calls) in [(30usize, 1usize), (0, 0)] {
        let describe = mock!(aws_sdk_ecs::Client::describe_tasks).then_output(crashed);
        let eni = mock!(aws_sdk_ec2::Client::describe_network_interfaces)
            .then_output(|| DescribeNetworkInterfacesOutput::builder().build());
        // Only the crashed container's stream, newest 30 events.
        let get = mock!(aws_sdk_cloudwatchlogs::Client::get_log_events)
            .match_requests(|r| {
                r.log_group_name() == Some("/vanish/mr-1")
                    && r.log_stream_name() == Some("mr-1/web/t1")
                    && r.start_from_head() == Some(false)
                    && r.limit() == Some(30)
            })
            .then_output(|| {
                GetLogEventsOutput::builder()
                    .events(
                        OutputLogEvent::builder()
                            .timestamp(1)
                            .message("booting")
                            .build(),
                    )
                    .events(
                        OutputLogEvent::builder()
                            .timestamp(2)
                            .message("KeyError: 'DATABASE_URL'\n")
                            .build(),
                    )
                    .next_forward_token("f/2")
                    .build()
            });
        let mut rules = before_run();
        rules.push(run_ok());
        rules.push(describe);
        let ecs: Vec<&Rule> = rules.iter().collect();
        let buf = Buf::default();
        let mut o = opts(&buf);
        o.crash_log_lines = lines;
        let err = launch::up(
            &clients_with_logs(&ecs, &[&eni], &[&get]),
            p.clone(),
            o,
            &mut Signals::channel().1,
        )
        .await
        .expect_err("must fail");
        assert_eq!(exit::code_of(&err), Exit::TaskFailed);
        let report = "error: task t1 stopped before it was up\n  stopCode: EssentialContainerExited\n  stoppedReason: Essential container in task exited\n  container web: exitCode 1\n  container side: exitCode 0";
        let want = if lines > 0 {
            format!(
                "{report}\n  last 2 log lines of web (exitCode 1):\n    | booting\n    | KeyError: 'DATABASE_URL'"
            )
        } else {
            report.to_string()
        };
        assert_eq!(exit::render(&err), want);
        assert_eq!(get.num_calls(), want_calls);
    }
}
