package io.enginel.load;

/** The bom scenario of shared/bench/WORKLOAD.md. */
public class BomSimulation extends ClosedLoop {
  public BomSimulation() {
    super("bom", Scenarios.bom());
  }
}
