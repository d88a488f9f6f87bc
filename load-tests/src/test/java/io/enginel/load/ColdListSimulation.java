package io.enginel.load;

/** The coldList scenario of shared/bench/WORKLOAD.md. */
public class ColdListSimulation extends ClosedLoop {
  public ColdListSimulation() {
    super("coldList", Scenarios.coldList());
  }
}
