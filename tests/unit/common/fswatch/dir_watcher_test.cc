// DirWatcher on a real temporary directory: one call at start, one per complete change (a file
// renamed into place, closed after writing, deleted), none for a file still open for writing.

#include "common/fswatch/dir_watcher.h"

#include <fcntl.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

namespace weir::fswatch {
namespace {

class DirWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/weir-fswatch-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    watcher_ = std::make_unique<DirWatcher>(dir_, std::chrono::milliseconds(20));
    thread_ = std::thread([this] {
      status_ = watcher_->run([this] {
        std::lock_guard lock(mutex_);
        ++calls_;
        cv_.notify_all();
      });
    });
  }

  void TearDown() override {
    watcher_->stop();
    thread_.join();
    EXPECT_TRUE(status_.ok());
    std::filesystem::remove_all(dir_);
  }

  // Waits until at least `n` calls happened; the deadline only guards against a hang.
  bool awaitCalls(int n) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return calls_ >= n; });
  }

  int calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }

  std::string dir_;
  std::unique_ptr<DirWatcher> watcher_;
  std::thread thread_;
  Status status_;
  std::mutex mutex_;
  std::condition_variable cv_;
  int calls_ = 0;
};

TEST_F(DirWatcherTest, CallsOnceAtStartThenPerCompleteChange) {
  ASSERT_TRUE(awaitCalls(1));
  std::ofstream(dir_ + "/.tmp") << "kind: Service\n";
  std::filesystem::rename(dir_ + "/.tmp", dir_ + "/svc.yaml");
  ASSERT_TRUE(awaitCalls(2));
  std::filesystem::remove(dir_ + "/svc.yaml");
  ASSERT_TRUE(awaitCalls(3));
}

TEST_F(DirWatcherTest, FileStillOpenForWritingFiresOnlyWhenClosed) {
  ASSERT_TRUE(awaitCalls(1));
  int fd = ::open((dir_ + "/half.yaml").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "kind: Ser", 9), 9);
  // Ten settle periods: a watcher reacting to creation or partial writes would have called by now.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(calls(), 1);
  ::close(fd);
  ASSERT_TRUE(awaitCalls(2));
}

TEST(DirWatcherErrors, MissingDirectoryIsAnError) {
  DirWatcher watcher("/nonexistent/weir-fswatch");
  Status st = watcher.run([] {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().str(), "watch directory /nonexistent/weir-fswatch: No such file or directory");
}

}  // namespace
}  // namespace weir::fswatch
