// A fault drill for tests/dist/CMakeLists.txt: data-parallel training in which rank 1 fails
// at step 3, either killed (SIGKILL, as the OOM killer or a lost node would) or by an
// exception nobody catches. The other ranks are then waiting in finish(); the job must end
// anyway, with a non-zero status and a line naming the rank and the reason.
//   dist_fault_drill kill|throw
#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <string_view>

#include "dist/environment.h"
#include "dist_test_model.h"

int main(int argc, char** argv) {
  cgrad::dist::Environment mpi(argc, argv);
  const std::string_view mode = argc > 1 ? argv[1] : "kill";
  constexpr std::size_t kFailingStep = 3;
  const cgrad::test::DistSetup setup;
  const cgrad::Dataset<double> data = cgrad::test::make_dataset(setup);
  cgrad::Mlp<double> model = cgrad::test::make_model(setup);
  cgrad::Adam<double> adam(model.parameters(), {.lr = 0.05});
  cgrad::dist::DataParallel<double> ddp(model.parameters());
  cgrad::dist::DistributedSampler sampler(setup.rows, setup.batch, setup.seed, ddp.rank(), ddp.size());
  cgrad::Graph<double> g;
  ddp.attach(g);
  cgrad::Batch<double> shard;
  for (std::size_t step = 0; step < 1000; ++step) {
    if (ddp.rank() == 1 && step == kFailingStep) {
      if (mode == "kill") std::raise(SIGKILL);
      throw std::runtime_error("injected fault at step 3");
    }
    cgrad::dist::gather_rows(data, sampler.next(), shard);
    g.clear();
    cgrad::Var<double> loss = cgrad::test::batch_loss(g, model, shard) * sampler.loss_weight();
    adam.zero_grad();
    g.backward(loss);
    ddp.finish();
    adam.step();
  }
  ddp.detach(g);
  std::printf("the drill ended without a fault: rank 1 never failed\n");
  return 0;
}
