/* Schedule errors that need the loop IR (the checker, compiler/sched/check.c,
 * reports the name, kind and arity errors; sched_check_test.c): exact
 * messages at the directive, with notes where they help. */
#include "tests/sched/sched_util.h"


Test(errors, reorder_reduction_across_init_of_a_consumer)
{
    /* the init splits off only when the blocker is the stage's own init */
    expect_schedule_error(SOFTMAX "schedule softmax for cpu { s.compute_at(y, n); y.split(d, 4, dO, dI);"
                                  " y.reorder(dI, dO); m.compute_at(y, dO); }",
                          "softmax", "cannot compute 'm' at loop 'dO' of 'y'");
}

Test(errors, reorder_across_reduction_temporary)
{
    expect_schedule_error("kernel rowmean(x: f32[N, D]) -> y: f32[N] { y[n] = sum(x[n, d] for d) / f32(D); }\n"
                          "schedule rowmean for cpu { y.reorder(d, n); }",
                          "rowmean", "cannot reorder: reduction loop 'd' of 'y' would move outside loop 'n'");
}

Test(errors, compute_at_not_enclosing_every_consumer)
{
    expect_schedule_error(SOFTMAX "schedule softmax for cpu { e.compute_at(y, n); }", "softmax",
                          "test.tk:7:30: error: cannot compute 'e' at loop 'n' of 'y': 's' also reads 'e' outside "
                          "that loop");
    expect_schedule_error(SOFTMAX "schedule softmax for cpu { e.compute_at(y, n); }", "softmax",
                          "test.tk:4:5: note: 's' reads 'e' here");
}

Test(errors, compute_at_loop_without_use)
{
    expect_schedule_error("kernel k2(x: f32[N]) -> y: f32[N] { t[i] = x[i]; y[i] = t[i] + sum(x[j] for j); }\n"
                          "schedule k2 for cpu { t.compute_at(y, j); }",
                          "k2", "cannot compute 't' at loop 'j' of 'y': the loop does not enclose a use of 't'");
}

Test(errors, loop_removed_by_compute_at)
{
    expect_schedule_error(SOFTMAX "schedule softmax for cpu { s.compute_at(y, n); e.compute_at(y, n); "
                                  "m.compute_at(y, n); m.parallel(n); }",
                          "softmax", "loop 'n' of 'm' no longer exists: it was removed by compute_at");
}

Test(errors, unroll_symbolic_fully)
{
    expect_schedule_error(SOFTMAX "schedule softmax for cpu { y.unroll(d); }", "softmax",
                          "cannot unroll loop 'd' of 'y' fully: its extent D is not a constant; give a factor, "
                          "e.g. unroll(d, 4)");
}

Test(errors, nested_parallel)
{
    expect_schedule_error(SOFTMAX "schedule softmax for cpu { y.parallel(n); y.parallel(d); }", "softmax",
                          "cannot parallelize loop 'd' of 'y': it is nested in, or contains, another parallel loop");
}

Test(errors, fuse_not_adjacent)
{
    expect_schedule_error(MATMUL "schedule matmul for cpu { c.fuse(j, i, ji); }", "matmul",
                          "cannot fuse 'j' with 'i': 'i' is not the only statement directly inside 'j'");
}

Test(errors, loop_arguments)
{
    /* loops resolve against the loop table as the earlier directives left it */
    expect_schedule_error(MATMUL "schedule matmul for cpu { c.vectorize(k); }", "matmul",
                          "cannot vectorize reduction loop 'k' of 'c'");
    expect_schedule_error(MATMUL "schedule matmul for cpu { c.parallel(k); }", "matmul",
                          "cannot parallelize reduction loop 'k' of 'c'");
    expect_schedule_error(MATMUL "schedule matmul for cpu { c.split(i, 4, io, ii); c.split(i, 2, a, b); }",
                          "matmul", "loop 'i' of 'c' no longer exists: it was split");
    expect_schedule_error(MATMUL "schedule matmul for cpu { c.split(q, 4, io, ii); }", "matmul",
                          "'q' is not a loop of 'c'");
}

Test(errors, double_buffer_misuse)
{
    expect_schedule_error(MATMUL "schedule matmul for cpu { pa = a.cache_read(local); pa.double_buffer(); }", "matmul",
                          "cannot double-buffer 'pa': it is computed at the root, where there is no loop to "
                          "pipeline; place it with pa.compute_at(consumer, loop)");
    expect_schedule_error(MATMUL "schedule matmul for cpu { cc = c.cache_write(local); cc.double_buffer(); }",
                          "matmul", "double_buffer applies to a cache stage (t = x.cache_read(scope)), and 'cc' is "
                          "not one");
    expect_schedule_error(MATMUL "schedule matmul for cpu { c.parallel(i); pa = a.cache_read(local);"
                                 " pa.compute_at(c, i); pa.double_buffer(); }",
                          "matmul", "cannot double-buffer 'pa': loop 'i' is parallel");
}

Test(errors, rfactor_misuse)
{
    expect_schedule_error(MATMUL "schedule matmul for cpu { cf = c.rfactor(j, jf); }", "matmul",
                          "rfactor needs a reduction loop, and 'j' is not one");
    expect_schedule_error(MATMUL "schedule matmul for cpu { c.reorder(k, j); cf = c.rfactor(k, kf); }", "matmul",
                          "cannot rfactor loop 'k' of 'c': the initialization of the reduction is not directly "
                          "outside its reduction loops");
}

Test(errors, tensorize_not_matmul)
{
    expect_schedule_error(SOFTMAX "schedule softmax for cpu { y.tensorize(n, gemm); }", "softmax",
                          "tensorize(n, gemm) needs a loop nest of the form c[i, j] += a[i, k] * b[k, j] below 'n'");
    expect_schedule_error(MATMUL "schedule matmul for cpu { c.tensorize(i, gemm); }", "matmul",
                          "tensorize(i, gemm) needs constant i and j block extents");
}

Test(errors, cache_misuse)
{
    expect_schedule_error(SOFTMAX "schedule softmax for cpu { s.compute_at(y, n); sc = s.cache_write(local); }",
                          "softmax", "cannot cache_write 's': it is not computed at the root");
    expect_schedule_error(SOFTMAX "schedule softmax for cpu { xs = x.cache_read(local); xs.compute_at(y, d); }",
                          "softmax", "cannot compute 'xs' at loop 'd': the loop does not read 'x'");
}

Test(errors, rfactor_of_an_arg_reduction)
{
    expect_schedule_error("kernel am(x: f32[N]) -> y: i64 { y = argmax(x[k] for k); }\n"
                          "schedule am for cpu { r = y.rfactor(k, kf); }",
                          "am", "cannot rfactor loop 'k' of 'y': it is the loop of an argmax, which cannot be "
                          "split (its result is the first index of the extreme value)");
    expect_schedule_error("kernel am(x: f32[N]) -> y: i64 { y = argmin(x[k] for k); }\n"
                          "schedule am for cpu { y.vectorize(k); }",
                          "am", "cannot vectorize reduction loop 'k' of 'y'");
}
