package io.lethe.jobs.forget;

/**
 * A loss-threshold membership-inference attack (Yeom et al., 2018), used to check that forgotten records look like
 * records the model never saw: logistic regression on the per-example loss, trained to tell training members from
 * test non-members, then applied to the forgotten records and to held-out unseen records.
 */
final class MembershipInference {
  private MembershipInference() {}

  /**
   * Scores of one attack.
   *
   * @param attackAuc how well the attack separates members from unseen records (0.5 = not at all)
   * @param forgotten mean membership probability the attack gives the forgotten records
   * @param unseen the same for held-out records the model never saw
   * @param members the same for retained training records
   */
  record Scores(double attackAuc, double forgotten, double unseen, double members, int forgottenRows,
      int unseenRows) {}

  /**
   * Trains the attack on {@code memberLoss} (label 1) against {@code nonMemberLoss} (label 0) and scores the rest.
   */
  static Scores attack(double[] memberLoss, double[] nonMemberLoss, double[] unseenLoss, double[] forgottenLoss) {
    double[] w = fit(memberLoss, nonMemberLoss);
    return new Scores(auc(predict(w, memberLoss), predict(w, unseenLoss)), mean(predict(w, forgottenLoss)),
        mean(predict(w, unseenLoss)), mean(predict(w, memberLoss)), forgottenLoss.length, unseenLoss.length);
  }

  /** Newton's method for p(member) = sigmoid(a + b * loss), classes weighted equally, a little ridge. */
  static double[] fit(double[] members, double[] nonMembers) {
    double a = 0;
    double b = 0;
    double wm = 0.5 / Math.max(1, members.length);
    double wn = 0.5 / Math.max(1, nonMembers.length);
    for (int iteration = 0; iteration < 50; iteration++) {
      double ga = 1e-4 * a;
      double gb = 1e-4 * b;
      double haa = 1e-4;
      double hab = 0;
      double hbb = 1e-4;
      for (int pass = 0; pass < 2; pass++) {
        double[] xs = pass == 0 ? members : nonMembers;
        double y = pass == 0 ? 1 : 0;
        double weight = pass == 0 ? wm : wn;
        for (double x : xs) {
          double p = sigmoid(a + b * x);
          ga += weight * (p - y);
          gb += weight * (p - y) * x;
          double s = weight * p * (1 - p);
          haa += s;
          hab += s * x;
          hbb += s * x * x;
        }
      }
      double det = haa * hbb - hab * hab;
      if (Math.abs(det) < 1e-18) {
        break;
      }
      double da = (hbb * ga - hab * gb) / det;
      double db = (haa * gb - hab * ga) / det;
      a -= da;
      b -= db;
      if (Math.abs(da) + Math.abs(db) < 1e-10) {
        break;
      }
    }
    return new double[] {a, b};
  }

  static double[] predict(double[] w, double[] losses) {
    double[] p = new double[losses.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = sigmoid(w[0] + w[1] * losses[i]);
    }
    return p;
  }

  /** Probability that a random positive scores above a random negative (ties count half). */
  static double auc(double[] positives, double[] negatives) {
    if (positives.length == 0 || negatives.length == 0) {
      return Double.NaN;
    }
    double wins = 0;
    for (double p : positives) {
      for (double n : negatives) {
        wins += p > n ? 1 : p == n ? 0.5 : 0;
      }
    }
    return wins / ((double) positives.length * negatives.length);
  }

  static double mean(double[] values) {
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    return values.length == 0 ? Double.NaN : sum / values.length;
  }

  private static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }
}
