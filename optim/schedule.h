#pragma once
// Learning-rate schedules: a function from the step count to a learning rate. They know
// no optimizer type; apply() sets the rate of any optimizer for its next step, so a
// schedule composes with every optimizer and resumes correctly after a checkpoint
// restores the optimizer's step count:
//
//   CosineAnnealing schedule(0.01, 3000);
//   for (...) { schedule.apply(optimizer); ...; optimizer.step(); }
#include <cstdint>

#include "optim/optimizer.h"

namespace cgrad {

class Schedule {
 public:
  virtual ~Schedule() = default;
  // The learning rate for step number `step` + 1 (that is, after `step` steps).
  virtual double lr(std::uint64_t step) const = 0;

  template <Real T>
  void apply(Optimizer<T>& optimizer) const {
    optimizer.set_lr(lr(optimizer.step_count()));
  }
};

// lr = base_lr · gamma^⌊step / step_size⌋: multiply by gamma every step_size steps.
class StepDecay : public Schedule {
 public:
  // base_lr >= 0, step_size > 0, gamma in (0, inf); throws ValueError otherwise.
  StepDecay(double base_lr, std::uint64_t step_size, double gamma = 0.1);
  double lr(std::uint64_t step) const override;

 private:
  double base_lr_, gamma_;
  std::uint64_t step_size_;
};

// lr = base_lr · gamma^step: a smooth per-step decay (gamma slightly below 1).
class ExponentialDecay : public Schedule {
 public:
  // base_lr >= 0, gamma in (0, inf); throws ValueError otherwise.
  ExponentialDecay(double base_lr, double gamma);
  double lr(std::uint64_t step) const override;

 private:
  double base_lr_, gamma_;
};

// Cosine annealing without restarts (Loshchilov & Hutter 2017):
//   lr = min_lr + ½·(base_lr − min_lr)·(1 + cos(π · min(step, total_steps) / total_steps))
// from base_lr at step 0 down to min_lr at total_steps, and min_lr after.
class CosineAnnealing : public Schedule {
 public:
  // base_lr >= 0, total_steps > 0, min_lr in [0, base_lr]; throws ValueError otherwise.
  CosineAnnealing(double base_lr, std::uint64_t total_steps, double min_lr = 0);
  double lr(std::uint64_t step) const override;

 private:
  double base_lr_, min_lr_;
  std::uint64_t total_steps_;
};

}  // namespace cgrad
