/* gelu1 on GL_N lanes, included by activation_f32.c once per vector width (GCC vector extensions; contraction is off
 * there): each scalar statement becomes one lane-wise statement, Eigen's min/max and the branches become selects,
 * floorf a truncation corrected by one (exact for the |t| < 2^31 seen here), and x * x's rounding error is taken in
 * double as in eigen_erfc, so every width gives the scalar code's bits. The includer defines GL_N (lanes), GL_F, GL_I,
 * GL_D (float, int32 and double vectors of GL_N lanes) and GL(name) (the names of this width's functions). */
#define GL_S(c) ((c) - (GL_F){}) /* c - 0 is c, -0 included */
#define GL_SI(c) ((GL_I){} + (c))
#define GL_SEL(m, a, b) ((GL_F)(((m) & (GL_I)(a)) | (~(m) & (GL_I)(b))))
TFL_INLINE GL_F GL(v_min)(GL_F a, GL_F b) { return GL_SEL(b < a, b, a); }
TFL_INLINE GL_F GL(v_max)(GL_F a, GL_F b) { return GL_SEL(b > a, b, a); }
TFL_INLINE GL_F GL(v_floor)(GL_F t) {
  const GL_F f = __builtin_convertvector(__builtin_convertvector(t, GL_I), GL_F);
  return GL_SEL(f > t, f - GL_S(1.0f), f);
}
TFL_INLINE GL_F GL(v_pow2i)(GL_I e) { return (GL_F)((e + GL_SI(127)) << 23); }
/* p * x + c as two statements (mul_add) */
TFL_INLINE GL_F GL(v_mul_add)(GL_F p, GL_F x, float c) {
  const GL_F m = p * x;
  return m + GL_S(c);
}

TFL_INLINE GL_F GL(v_eigen_exp)(GL_F x_in) {
  const GL_F x = GL(v_min)(x_in, GL_S(88.723f));
  const GL_F m = GL(v_floor)(GL(v_mul_add)(x, GL_S(1.44269504088896341f), 0.5f));
  GL_F r = m * GL_S(-0.693359375f);
  r = r + x;
  const GL_F u = m * GL_S(2.12194440e-4f);
  r = u + r;
  const GL_F r2 = r * r;
  GL_F p_even = GL(v_mul_add)(r2, GL_S(1.37449637986719608306884765625e-3f), 4.166965186595916748046875e-2f);
  const GL_F p_odd = GL(v_mul_add)(r2, GL_S(8.36894474923610687255859375e-3f), 0.16666518151760101318359375f);
  p_even = GL(v_mul_add)(r2, p_even, 0.49999988079071044921875f);
  const GL_F p_low = r + GL_S(1.0f);
  GL_F y = r * p_odd;
  y = y + p_even;
  y = r2 * y;
  y = y + p_low;
  /* eigen_ldexp */
  const GL_I e = __builtin_convertvector(GL(v_min)(GL(v_max)(m, GL_S(-278.0f)), GL_S(278.0f)), GL_I);
  const GL_I b = e >> 2; /* floorf(e * 0.25f) for integers |e| <= 278 */
  const GL_F c = GL(v_pow2i)(b);
  GL_F out = y * c;
  out = out * c;
  out = out * c;
  out = out * GL(v_pow2i)(e - GL_SI(3) * b);
  out = GL(v_max)(out, x_in);
  return (GL_F)((GL_I)out & ~(x_in < GL_S(-104.0f)));
}

TFL_INLINE GL_F GL(v_eigen_erfc)(GL_F x_in) {
  static const float s[] = {-4.91381669417023658752441406250e-03f, 2.67075151205062866210937500000e-02f,
                            -1.12800106406211853027343750000e-01f, 3.76122951507568359375000000000e-01f,
                            -1.12837910652160644531250000000e+00f};
  static const float p[] = {4.2920666933059692382812500e-01f, 3.2379078865051269531250000e-01f,
                            5.3971976041793823242187500e-02f};
  static const float q[] = {3.9137163758277893066406250e-01f, 1.0000000000000000000000000e+00f,
                            6.2173241376876831054687500e-01f, 9.5662862062454223632812500e-02f};
  const GL_F x = GL(v_min)(GL(v_max)(x_in, GL_S(-11.0f)), GL_S(11.0f));
  const GL_F x2 = x * x;
  GL_F sp = GL_S(5.61802298761904239654541015625e-04f);
  for (int i = 0; i < 5; i++) sp = GL(v_mul_add)(sp, x2, s[i]);
  const GL_F small = GL(v_mul_add)(x, sp, 1.0f);
  const GL_D xd = __builtin_convertvector(x, GL_D), x2d = __builtin_convertvector(x2, GL_D);
  const GL_F x2_lo = __builtin_convertvector(xd * xd - x2d, GL_F);
  const GL_F e = GL(v_eigen_exp)(-x2);
  const GL_F e_lo = e * x2_lo;
  const GL_F z = e - e_lo;
  const GL_F inv = GL_S(1.0f) / x2;
  GL_F num = GL_S(1.0208116471767425537109375e-01f);
  for (int i = 0; i < 3; i++) num = GL(v_mul_add)(num, inv, p[i]);
  GL_F den = GL_S(1.7251677811145782470703125e-02f);
  for (int i = 0; i < 4; i++) den = GL(v_mul_add)(den, inv, q[i]);
  den = x * den;
  const GL_F r = num / den;
  GL_F big = z * r;
  big = big + (GL_F)((GL_I)GL_S(2.0f) & (x < GL_S(0.0f)));
  return GL_SEL(GL_S(1.0f) < x2, big, small);
}

TFL_INLINE GL_F GL(v_eigen_tanh)(GL_F x_in) {
  static const float a[] = {2.102733560e-5f, 3.520756727e-3f, 1.340216100e-1f};
  static const float b[] = {3.326951409e-4f, 2.597254514e-2f, 4.673548340e-1f, 1.0f};
  const GL_F x = GL(v_max)(GL(v_min)(x_in, GL_S(7.90738964080810547f)), GL_S(-7.90738964080810547f));
  const GL_F x2 = x * x;
  const GL_F x3 = x2 * x;
  GL_F num = GL_S(1.394553628e-8f);
  for (int i = 0; i < 3; i++) num = GL(v_mul_add)(num, x2, a[i]);
  GL_F den = GL_S(8.015776984e-7f);
  for (int i = 0; i < 4; i++) den = GL(v_mul_add)(den, x2, b[i]);
  num = x3 * num;
  num = num + x;
  return num / den;
}

/* Elements [0, whole8) of [0, whole) by 8 lanes; returns whole8. */
TFL_INLINE int64_t GL(gelu_body)(const float *X, float *O, int64_t whole, int approx) {
  int64_t i = 0;
  for (; i + GL_N <= whole; i += GL_N) {
    GL_F x, y;
    memcpy(&x, X + i, sizeof x);
    const GL_F half_x = GL_S(0.5f) * x;
    if (approx) {
      GL_F cube = x * x;
      cube = cube * x;
      const GL_F scaled_cube = GL_S(0.044715f) * cube;
      const GL_F inner = x + scaled_cube;
      const GL_F t = GL(v_eigen_tanh)(GL_S(gelu_sqrt_2_over_pi) * inner);
      y = half_x * (GL_S(1.0f) + t);
    } else {
      y = half_x * GL(v_eigen_erfc)(x * GL_S(gelu_minus_sqrt1_2));
    }
    memcpy(O + i, &y, sizeof y);
  }
  return i;
}
#undef GL_S
#undef GL_SI
#undef GL_SEL
