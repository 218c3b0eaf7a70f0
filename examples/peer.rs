//! The peer benchmark workload once at full size, with its sanity outputs and wall time, for a
//! side-by-side run with `../shared/bench/numpy_peer.py`: `cargo run --release --example peer`.

#![allow(clippy::print_stdout)]

fn main() {
    let spec = placesim::peer::PeerSpec::default();
    let t = std::time::Instant::now();
    let o = placesim::peer::run_peer(spec);
    let s = t.elapsed().as_secs_f64();
    println!(
        "{{\"peer\":\"placesim\",\"agents\":{},\"steps\":{},\"t_run\":{s:.3},\"agent_steps_per_s\":{:.3e},\"final_alive\":{},\"final_chronic_prev\":{:.4},\"total_admissions\":{},\"total_deaths\":{},\"mean_occupied_beds\":{:.1}}}",
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
