//! `Runtime::start` builds every component of the plan once before it binds or starts
//! anything (on a thread of its own, for the allocator's sake): a component that does not
//! build is an error naming where it is used, and nothing starts.

use sluice_shards::{Plan, Runtime};

#[test]
fn a_component_that_does_not_build_stops_start_up_with_where_it_is_used() {
    let plan = Plan::stdin_to_blackhole("no-such-codec");
    let Err(e) = Runtime::start(plan) else {
        panic!("a sink codec that does not exist must not start");
    };
    let msg = e.to_string();
    assert!(msg.contains("sink `"), "names the sink: {msg}");
    assert!(msg.contains("codec"), "names the codec: {msg}");
    assert!(
        msg.contains("no-such-codec"),
        "names what was asked for: {msg}"
    );
}
