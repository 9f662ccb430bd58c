#include "userspace-proxy/conn/meter.h"

namespace weir::proxy::conn {

void Meter::open(metrics::TcpSeries* series, Clock::time_point at) {
  series_ = series;
  openedAt_ = at;
  read_ = written_ = 0;
  if (series_ != nullptr) {
    series_->open();
  }
}

void Meter::sync(const io::Stream& s) {
  if (series_ == nullptr) {
    return;
  }
  if (s.bytesRead() > read_) {
    series_->read(s.bytesRead() - read_);
    read_ = s.bytesRead();
  }
  if (s.bytesWritten() > written_) {
    series_->write(s.bytesWritten() - written_);
    written_ = s.bytesWritten();
  }
}

void Meter::close(const io::Stream& s, int err, Clock::time_point now) {
  if (series_ == nullptr) {
    return;
  }
  sync(s);
  series_->close(err, now - openedAt_);
  series_ = nullptr;
}

}  // namespace weir::proxy::conn
