package io.enginel.load;

/** The hotDetail scenario of shared/bench/WORKLOAD.md. */
public class HotDetailSimulation extends ClosedLoop {
  public HotDetailSimulation() {
    super("hotDetail", Scenarios.hotDetail());
  }
}
