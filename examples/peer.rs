//! The peer benchmark workload once at full size, with its sanity outputs and wall time, for a
//! side-by-side run with `../shared/bench/numpy_peer.py`: `cargo run --release --example peer`
//! (the event-driven version) or `... --example peer -- direct` (the direct transcription).

#![allow(clippy::print_stdout)]

fn main() {
    let spec = placesim::peer::PeerSpec::default();
    let t = std::time::Instant::now();
    let direct = std::env::args().nth(1).as_deref() == Some("direct");
    let o = if direct {
        placesim::peer::run_peer_direct(spec)
    } else {
        placesim::peer::run_peer(spec)
    };
    let s = t.elapsed().as_secs_f64();
    println!(
        "{{\"peer\":\"placesim{}\",\"agents\":{},\"steps\":{},\"t_run\":{s:.3},\"agent_steps_per_s\":{:.3e},\"final_alive\":{},\"final_chronic_prev\":{:.4},\"total_admissions\":{},\"total_deaths\":{},\"mean_occupied_beds\":{:.1}}}",
        if direct { "-direct" } else { "" },
        spec.agents,
        spec.steps,
        f64::from(spec.agents) * f64::from(spec.steps) / s,
        o.final_alive,
        o.final_chronic_prevalence,
        o.total_admissions,
        o.total_deaths,
        o.mean_occupied_beds
    );
}
