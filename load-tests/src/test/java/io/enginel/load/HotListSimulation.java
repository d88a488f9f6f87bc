package io.enginel.load;

/** The hotList scenario of shared/bench/WORKLOAD.md. */
public class HotListSimulation extends ClosedLoop {
  public HotListSimulation() {
    super("hotList", Scenarios.hotList());
  }
}
