package io.enginel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The record of who runs a data directory's embedded PostgreSQL: found while its process lives, stale after. */
class EmbeddedOwnerTest {
  @TempDir
  Path data;

  @Test
  void aLiveOwnerIsFoundWithItsAddresses() throws Exception {
    EmbeddedOwner.self("serve", "postgresql://postgres@127.0.0.1:54329/postgres", "redis://127.0.0.1:63790", ProcessHandle.current()).write(data);

    assertThat(EmbeddedOwner.find(data)).hasValueSatisfying(o -> {
      assertThat(o.pid()).isEqualTo(ProcessHandle.current().pid());
      assertThat(o.command()).isEqualTo("serve");
      assertThat(o.pgUri()).isEqualTo("postgresql://postgres@127.0.0.1:54329/postgres");
      assertThat(o.redis().handle()).contains(ProcessHandle.current());
      assertThat(o.describe()).isEqualTo("the Enginel server (pid " + ProcessHandle.current().pid() + ")");
    });
  }

  @Test
  void theRecordOfAProcessThatIsGoneIsStale() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    assertThat(gone.waitFor(10, TimeUnit.SECONDS)).isTrue();
    EmbeddedOwner.Running dead = EmbeddedOwner.Running.of(gone.toHandle());
    new EmbeddedOwner(dead, "serve", "postgresql://postgres@127.0.0.1:54329/postgres", null, dead).write(data);

    assertThat(EmbeddedOwner.find(data)).isEmpty();
    assertThat(EmbeddedOwner.recorded(data)).hasValueSatisfying(o -> {
      assertThat(o.pid()).isEqualTo(gone.pid());
      assertThat(o.redis().handle()).isEmpty();
    });
  }

  @Test
  void aLiveProcessThatStartedAtAnotherTimeIsAnotherProcessUnderAReusedPid() throws Exception {
    new EmbeddedOwner(new EmbeddedOwner.Running(ProcessHandle.current().pid(), "2001-01-01T00:00:00Z"), "serve",
        "postgresql://x@h:1/d", null, null).write(data);

    assertThat(EmbeddedOwner.find(data)).isEmpty();
  }

  @Test
  void anUnreadableRecordIsAsGoodAsNoneAndOnlyItsOwnerRemovesIt() throws Exception {
    Files.writeString(data.resolve(EmbeddedOwner.FILE), "{ half a record");
    assertThat(EmbeddedOwner.find(data)).isEmpty();

    new EmbeddedOwner(new EmbeddedOwner.Running(ProcessHandle.current().pid() + 1_000_000, ""), "serve",
        "postgresql://x@h:1/d", null, null).write(data);
    EmbeddedOwner.removeOwn(data);
    assertThat(data.resolve(EmbeddedOwner.FILE)).exists();

    EmbeddedOwner.self("seed", "postgresql://x@h:1/d", null, null).write(data);
    EmbeddedOwner.removeOwn(data);
    assertThat(data.resolve(EmbeddedOwner.FILE)).doesNotExist();
  }
}
