//! Orquesta's two state machines as Orquesta writes them, over event names: the transcription
//! the typed machines (`task.rs`, `workflow.rs`) are checked against. Each input is spelled
//! into Orquesta's name here, and for every status and every input both must agree.

use super::Status;
use super::input::{
    Activity, ItemsTail, Request, RequestTail, TaskBase, TaskInput, WorkflowInput, WorkflowTail,
};

/// Orquesta's task state machine: the status an event moves a task to, if any.
fn task_transition(current: Status, event: &str) -> Option<Status> {
    use Status::*;
    let ev = event;
    let starts = |s: &str| ev.starts_with(s);
    match current {
        Unset => match ev {
            "action_requested" => Some(Requested),
            "action_scheduled" => Some(Scheduled),
            "action_delayed" => Some(Delayed),
            "action_running" => Some(Running),
            "action_pending" => Some(Pending),
            "task_continue_requested" | "task_noop_requested" => Some(Succeeded),
            "task_fail_requested" => Some(Failed),
            _ => None,
        },
        Requested | Scheduled | Delayed => match ev {
            "action_requested" => None,
            "action_scheduled" if current != Scheduled => Some(Scheduled),
            "action_delayed" if current != Delayed => Some(Delayed),
            "action_running" => Some(Running),
            "action_pending" => Some(Pending),
            "action_pausing" => Some(Pausing),
            "action_paused" => Some(Paused),
            "action_canceling" => Some(Canceling),
            "action_canceled" => Some(Canceled),
            "action_failed" => Some(Failed),
            "action_timeout" => Some(Timeout),
            "action_abandoned" => Some(Abandoned),
            _ => None,
        },
        // The engine's own deadline ends a run whatever its task was doing; a task pausing
        // or resuming around a run that times out would otherwise wait for it for ever.
        Running | Pausing | Resuming if ev == "action_timed_out" => Some(TimedOut),
        Running => running_transition(ev),
        Pending => match ev {
            "action_canceled" => Some(Canceled),
            "action_failed" | "action_timeout" | "action_abandoned" => Some(Failed),
            "action_succeeded" => Some(Succeeded),
            _ => None,
        },
        Pausing => {
            if ev == "action_resuming" {
                return Some(Resuming);
            }
            if ev == "action_canceling" {
                return Some(Canceling);
            }
            if ev == "action_paused" {
                return Some(Paused);
            }
            if matches!(ev, "action_failed" | "action_timeout" | "action_abandoned") {
                return Some(Failed);
            }
            if ev == "action_canceled" || starts("action_canceled_task_dormant") {
                return Some(Canceled);
            }
            dormant_items(ev, Paused, Paused)
        }
        Paused => match ev {
            "action_running" => Some(Running),
            "action_resuming" => Some(Resuming),
            "action_canceling" => Some(Canceling),
            "action_canceled" => Some(Canceled),
            _ => None,
        },
        Resuming => match ev {
            "action_running" => Some(Running),
            "action_canceling" => Some(Canceling),
            "action_canceled" => Some(Canceled),
            _ => None,
        },
        Retrying => match ev {
            "action_running" => Some(Running),
            "action_canceling" => Some(Canceling),
            "action_canceled" | "workflow_canceling" | "workflow_canceled" => Some(Canceled),
            _ => None,
        },
        Canceling => canceling_transition(ev),
        Canceled => None,
        Succeeded | Failed => (ev == "task_retry_requested").then_some(Retrying),
        Timeout | Abandoned | TimedOut => None,
    }
}

/// Outcomes of a with-items item event once no item is active (`..._task_dormant_items_*`).
/// `succeeded_incomplete` is what a success leaves when other items have not run.
fn dormant_items(ev: &str, paused: Status, succeeded_incomplete: Status) -> Option<Status> {
    use Status::*;
    let (head, tail) = ev.split_once("_task_dormant_items_")?;
    let after = match tail {
        "paused" => None,
        "canceled" => Some(Canceled),
        "failed" => Some(Failed),
        "incomplete" | "completed" => None,
        _ => return None,
    };
    match head {
        "action_pending" | "action_paused" => Some(after.unwrap_or(paused)),
        "action_failed" | "action_timeout" | "action_abandoned" => {
            Some(if tail == "canceled" { Canceled } else { Failed })
        }
        "action_canceled" => Some(Canceled),
        "action_succeeded" => Some(match tail {
            "paused" => Paused,
            "canceled" => Canceled,
            "failed" => Failed,
            "incomplete" => succeeded_incomplete,
            _ => Succeeded,
        }),
        _ => None,
    }
}

fn running_transition(ev: &str) -> Option<Status> {
    use Status::*;
    Some(match ev {
        "action_running" => Running,
        "action_pending" => Pending,
        "action_pending_task_active_items_incomplete" | "action_paused_task_active_items_incomplete" => {
            Pausing
        }
        "action_pausing" => Pausing,
        "action_paused" => Paused,
        "action_canceling" => Canceling,
        "action_canceled" => Canceled,
        "action_canceled_task_active_items_incomplete" => Canceling,
        "action_failed" | "action_timeout" | "action_abandoned" => Failed,
        "action_succeeded" => Succeeded,
        "action_succeeded_task_active_items_incomplete" => Running,
        "workflow_pausing_task_active_items_incomplete" | "workflow_paused_task_active_items_incomplete" => {
            Pausing
        }
        "workflow_pausing_task_dormant_items_incomplete"
        | "workflow_paused_task_dormant_items_incomplete" => Paused,
        "workflow_canceling_task_active_items_incomplete"
        | "workflow_canceled_task_active_items_incomplete" => Canceling,
        "workflow_canceling_task_dormant_items_incomplete"
        | "workflow_canceled_task_dormant_items_incomplete" => Canceled,
        other if other.starts_with("action_canceled_task_dormant") => Canceled,
        other => return dormant_items(other, Paused, Running),
    })
}

fn canceling_transition(ev: &str) -> Option<Status> {
    use Status::*;
    match ev {
        "action_paused" | "action_canceled" => Some(Canceled),
        "action_failed" | "action_timeout" | "action_abandoned" => Some(Failed),
        "action_succeeded_task_dormant_items_completed" => Some(Succeeded),
        // An item's report, not a workflow request: Orquesta's table has no workflow event
        // for a canceling task, so a pause or a second cancel leaves it canceling while a
        // held item is still out.
        other if other.starts_with("action_") && other.contains("_task_dormant_items_") => Some(Canceled),
        _ => None,
    }
}

/// Orquesta's workflow state machine: the status an event moves the workflow to, if any.
fn workflow_transition(current: Status, event: &str) -> Option<Status> {
    use Status::*;
    let ev = event;
    let is_task = ev.starts_with("task_");
    let pause_or_cancel = |active: Status, dormant: Status, kind: &str| -> Option<Status> {
        match ev.strip_prefix(kind)? {
            "_workflow_active" => Some(active),
            "_workflow_dormant" => Some(dormant),
            _ => None,
        }
    };
    let wf_requests = |allow_pause_active: bool| -> Option<Status> {
        if allow_pause_active {
            if let Some(s) = pause_or_cancel(Pausing, Paused, "workflow_pausing")
                .or_else(|| pause_or_cancel(Pausing, Paused, "workflow_paused"))
            {
                return Some(s);
            }
            if let Some(s) = pause_or_cancel(Canceling, Canceled, "workflow_canceling")
                .or_else(|| pause_or_cancel(Canceling, Canceled, "workflow_canceled"))
            {
                return Some(s);
            }
        }
        (ev == "workflow_failed").then_some(Failed)
    };
    match current {
        Unset => match ev {
            "workflow_requested" => Some(Requested),
            "workflow_scheduled" => Some(Scheduled),
            "workflow_delayed" => Some(Delayed),
            "workflow_running" => Some(Running),
            "workflow_failed" => Some(Failed),
            _ => None,
        },
        Requested | Scheduled | Delayed => match ev {
            "workflow_scheduled" if current != Scheduled => Some(Scheduled),
            "workflow_delayed" if current != Delayed => Some(Delayed),
            "workflow_running" => Some(Running),
            "workflow_pausing_workflow_dormant" | "workflow_paused_workflow_dormant" => Some(Paused),
            "workflow_canceling_workflow_dormant" | "workflow_canceled_workflow_dormant" => Some(Canceled),
            "workflow_failed" => Some(Failed),
            _ => None,
        },
        // A task's event (every completion sends one) is told apart by its prefix first: the
        // workflow's own requests are a dozen names it would otherwise be compared with.
        Running if is_task => running_task_event(ev),
        Running => wf_requests(true).or_else(|| (ev == "workflow_succeeded").then_some(Succeeded)),
        Pausing if is_task => pausing_task_event(ev),
        Pausing => wf_requests(true).or(match ev {
            "workflow_running" => Some(Running),
            "workflow_resuming" => Some(Resuming),
            _ => None,
        }),
        Paused => match ev {
            "workflow_running" | "workflow_resuming" => {
                Some(if ev == "workflow_running" { Running } else { Resuming })
            }
            "workflow_running_workflow_completed" | "workflow_resuming_workflow_completed" => Some(Succeeded),
            "workflow_canceling_workflow_dormant" | "workflow_canceled_workflow_dormant" => Some(Canceled),
            "workflow_failed" => Some(Failed),
            "task_running" | "task_resuming" => Some(Running),
            _ => None,
        },
        Resuming if is_task => match ev {
            "task_running" => Some(Running),
            _ => resuming_task_event(ev),
        },
        Resuming => wf_requests(true).or_else(|| (ev == "workflow_running").then_some(Running)),
        Canceling => {
            if let Some(s) = pause_or_cancel(Canceling, Canceled, "workflow_canceling")
                .or_else(|| pause_or_cancel(Canceling, Canceled, "workflow_canceled"))
            {
                return Some(s);
            }
            if ev == "workflow_failed" {
                return Some(Failed);
            }
            if ev.starts_with("task_")
                && (ev.ends_with("_workflow_active") || ev.contains("_workflow_active_"))
            {
                return Some(Canceling);
            }
            if ev.starts_with("task_")
                && (ev.ends_with("_workflow_dormant") || ev.contains("_workflow_dormant_"))
            {
                return Some(Canceled);
            }
            None
        }
        Succeeded => (ev == "workflow_failed").then_some(Failed),
        Canceled | Failed | Timeout | Abandoned | Pending | Retrying | TimedOut => None,
    }
}

/// `task_*` events while the workflow runs.
fn running_task_event(ev: &str) -> Option<Status> {
    use Status::*;
    Some(match ev {
        "task_pending_workflow_active" => Pausing,
        "task_pending_workflow_dormant" => Paused,
        "task_pausing" | "task_paused_workflow_active" => Running,
        "task_paused_workflow_dormant" => Paused,
        "task_failed_workflow_active" | "task_failed_workflow_dormant" => Failed,
        "task_canceling" | "task_canceled_workflow_active" => Canceling,
        "task_canceled_workflow_dormant" => Canceled,
        other => {
            return succeeded_like(
                other,
                [Running, Running, Pausing, Canceling],
                [Running, Succeeded, Paused, Canceled],
            );
        }
    })
}

fn pausing_task_event(ev: &str) -> Option<Status> {
    use Status::*;
    Some(match ev {
        "task_pending_workflow_active" | "task_paused_workflow_active" => Pausing,
        "task_pending_workflow_dormant" | "task_paused_workflow_dormant" => Paused,
        "task_failed_workflow_active" | "task_failed_workflow_dormant" => Failed,
        "task_canceling" | "task_canceled_workflow_active" => Canceling,
        "task_canceled_workflow_dormant" => Canceled,
        "task_retrying_workflow_active" => Pausing,
        "task_retrying_workflow_dormant" => Paused,
        other if other.starts_with("task_succeeded") => {
            return succeeded_like(
                other,
                [Pausing, Pausing, Pausing, Pausing],
                [Paused, Paused, Paused, Canceled],
            );
        }
        other => {
            return succeeded_like(
                other,
                [Pausing, Pausing, Pausing, Canceling],
                [Paused, Paused, Paused, Canceled],
            );
        }
    })
}

fn resuming_task_event(ev: &str) -> Option<Status> {
    use Status::*;
    Some(match ev {
        "task_pending_workflow_active" => Pausing,
        "task_pending_workflow_dormant" => Paused,
        "task_failed_workflow_active" | "task_failed_workflow_dormant" => Failed,
        "task_canceling" | "task_canceled_workflow_active" => Canceling,
        "task_canceled_workflow_dormant" => Canceled,
        other => {
            let active =
                ["incomplete", "completed"].iter().any(|t| other.ends_with(&format!("_workflow_active_{t}")));
            if active {
                return Some(Running);
            }
            if other.contains("_workflow_active_") {
                return None;
            }
            return succeeded_like(
                other,
                [Running, Running, Running, Running],
                [Running, Succeeded, Paused, Canceled],
            );
        }
    })
}

/// `task_succeeded_*` and `task_remediated_*`: by `_workflow_{active,dormant}_{incomplete,
/// completed,paused,canceled}`; `active` and `dormant` list the results in that order.
fn succeeded_like(ev: &str, active: [Status; 4], dormant: [Status; 4]) -> Option<Status> {
    let rest = ev.strip_prefix("task_succeeded_").or_else(|| ev.strip_prefix("task_remediated_"))?;
    let (which, tail) = if let Some(t) = rest.strip_prefix("workflow_active_") {
        (active, t)
    } else {
        (dormant, rest.strip_prefix("workflow_dormant_")?)
    };
    let i = ["incomplete", "completed", "paused", "canceled"].iter().position(|t| *t == tail)?;
    which.get(i).copied()
}

fn activity(a: Activity) -> &'static str {
    if a == Activity::Active { "active" } else { "dormant" }
}

fn items_tail(t: ItemsTail) -> &'static str {
    match t {
        ItemsTail::Paused => "paused",
        ItemsTail::Canceled => "canceled",
        ItemsTail::Failed => "failed",
        ItemsTail::Incomplete => "incomplete",
        ItemsTail::Completed => "completed",
    }
}

/// Orquesta's name for a task machine input.
fn task_name(input: TaskInput) -> String {
    match input {
        TaskInput::Action(s) => format!("action_{s}"),
        TaskInput::Item { status, activity: a, tail } => {
            format!("action_{status}_task_{}_items_{}", activity(a), items_tail(tail))
        }
        TaskInput::Workflow { status, items: None } => format!("workflow_{status}"),
        TaskInput::Workflow { status, items: Some((a, tail)) } => {
            format!("workflow_{status}_task_{}_items_{}", activity(a), items_tail(tail))
        }
        TaskInput::Requested(r) => {
            let r = match r {
                Request::Fail => "fail",
                Request::Noop => "noop",
                Request::Continue => "continue",
                Request::Retry => "retry",
            };
            format!("task_{r}_requested")
        }
    }
}

/// Orquesta's name for a workflow machine input.
fn workflow_name(input: WorkflowInput) -> String {
    match input {
        WorkflowInput::Task { base, activity: a, tail } => {
            let mut name = match base {
                TaskBase::Status(s) => format!("task_{s}"),
                TaskBase::Remediated => "task_remediated".to_owned(),
            };
            if let Some(a) = a {
                name = format!("{name}_workflow_{}", activity(a));
            }
            if let Some(t) = tail {
                let t = match t {
                    WorkflowTail::Incomplete => "incomplete",
                    WorkflowTail::Completed => "completed",
                    WorkflowTail::Paused => "paused",
                    WorkflowTail::Canceled => "canceled",
                };
                name = format!("{name}_{t}");
            }
            name
        }
        WorkflowInput::Request { status, tail: RequestTail::Bare } => format!("workflow_{status}"),
        WorkflowInput::Request { status, tail: RequestTail::Activity(a) } => {
            format!("workflow_{status}_workflow_{}", activity(a))
        }
        WorkflowInput::Request { status, tail: RequestTail::Completed } => {
            format!("workflow_{status}_workflow_completed")
        }
    }
}

const ACTIVITIES: [Activity; 2] = [Activity::Active, Activity::Dormant];
const ITEMS_TAILS: [ItemsTail; 5] =
    [ItemsTail::Paused, ItemsTail::Canceled, ItemsTail::Failed, ItemsTail::Incomplete, ItemsTail::Completed];

/// Every task machine input, whether the engine builds it or not.
fn every_task_input() -> Vec<TaskInput> {
    let mut all = Vec::new();
    let requests = [Request::Fail, Request::Noop, Request::Continue, Request::Retry];
    all.extend(requests.map(TaskInput::Requested));
    for status in Status::ALL {
        all.push(TaskInput::Action(status));
        all.push(TaskInput::Workflow { status, items: None });
        for a in ACTIVITIES {
            for tail in ITEMS_TAILS {
                all.push(TaskInput::Item { status, activity: a, tail });
                all.push(TaskInput::Workflow { status, items: Some((a, tail)) });
            }
        }
    }
    all
}

/// Every workflow machine input, whether the engine builds it or not.
fn every_workflow_input() -> Vec<WorkflowInput> {
    let tails =
        [WorkflowTail::Incomplete, WorkflowTail::Completed, WorkflowTail::Paused, WorkflowTail::Canceled];
    let bases = Status::ALL.map(TaskBase::Status).into_iter().chain([TaskBase::Remediated]);
    let mut all = Vec::new();
    for base in bases {
        for activity in [None, Some(Activity::Active), Some(Activity::Dormant)] {
            for tail in tails.map(Some).into_iter().chain([None]) {
                all.push(WorkflowInput::Task { base, activity, tail });
            }
        }
    }
    let request_tails =
        ACTIVITIES.map(RequestTail::Activity).into_iter().chain([RequestTail::Bare, RequestTail::Completed]);
    for tail in request_tails {
        all.extend(Status::ALL.map(|status| WorkflowInput::Request { status, tail }));
    }
    all
}

#[test]
fn the_typed_task_machine_is_orquestas_table_on_every_status_and_input() {
    let mut moves = 0;
    for current in Status::ALL {
        for input in every_task_input() {
            let name = task_name(input);
            let want = task_transition(current, &name);
            assert_eq!(super::task_transition(current, input), want, "{current} on {name}");
            moves += usize::from(want.is_some());
        }
    }
    // The table is not empty: a machine that never moves would agree with nothing else.
    assert!(moves > 100, "only {moves} moves");
}

#[test]
fn the_typed_workflow_machine_is_orquestas_table_on_every_status_and_input() {
    let mut moves = 0;
    for current in Status::ALL {
        for input in every_workflow_input() {
            let name = workflow_name(input);
            let want = workflow_transition(current, &name);
            assert_eq!(super::workflow_transition(current, input), want, "{current} on {name}");
            moves += usize::from(want.is_some());
        }
    }
    assert!(moves > 60, "only {moves} moves");
}

#[test]
fn an_item_report_says_how_the_other_items_stand_only_where_orquesta_names_it_so() {
    let (a, t) = (Activity::Active, ItemsTail::Incomplete);
    assert_eq!(TaskInput::item(Status::Running, a, t), TaskInput::Action(Status::Running));
    assert_eq!(TaskInput::item(Status::TimedOut, a, t), TaskInput::Action(Status::TimedOut));
    let item = TaskInput::item(Status::Succeeded, a, t);
    assert_eq!(task_name(item), "action_succeeded_task_active_items_incomplete");
}
