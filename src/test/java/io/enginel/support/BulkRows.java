package io.enginel.support;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Many rows in one statement, where writing them one by one (a connection each) would be slow. */
public final class BulkRows {
  private BulkRows() {}

  /**
   * {@code count} COMPLETED step designs {@code part-01.step …} in a series, each with a 320-character
   * description of random hex (so that pages of them compress, but not to nothing). Answers their ids in
   * file name order.
   */
  public static List<UUID> designs(Fixtures f, UUID series, int count) {
    f.update("INSERT INTO design_assets (id, series_id, organization_id, version, filename, file_format, file_size, "
        + "upload_status, description) "
        + "SELECT gen_random_uuid(), s.id, s.organization_id, "
        + "(SELECT coalesce(max(version), 0) FROM design_assets WHERE series_id = s.id) + g, "
        + "'part-' || lpad(g::text, 2, '0') || '.step', 'step', 1000 + g, 'COMPLETED', "
        + "(SELECT string_agg(md5(random()::text || g || i), '') FROM generate_series(1, 10) i) "
        + "FROM design_series s, generate_series(1, ?) g WHERE s.id = ?", count, series);
    String ids = f.queryString("SELECT string_agg(id::text, ',' ORDER BY filename) FROM design_assets "
        + "WHERE series_id = ? AND filename LIKE 'part-%'", series);
    List<UUID> out = new ArrayList<>();
    for (String id : ids.split(",")) {
      out.add(UUID.fromString(id));
    }
    return out;
  }
}
