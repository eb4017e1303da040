// SPDX-License-Identifier: Apache-2.0
//
// sushi_byte_fifo: byte-granular FIFO that realigns bytes between bus lanes.
//
// Contract:
// - Storage is DepthBytes byte registers (built with a generate loop), a ring addressed by a
//   write and a read pointer; count_o is the number of bytes held (0..DepthBytes).
// - Push: when push_i is high, the push_cnt_i bytes at lanes [push_off_i, push_off_i+push_cnt_i)
//   of push_data_i are appended, lowest lane first. The caller must keep
//   push_off_i + push_cnt_i <= DataBytes and push_cnt_i <= DepthBytes - count_o.
// - Pop: pop_data_o always shows the oldest bytes placed from lane pop_off_i upwards (lane
//   pop_off_i holds the oldest byte); lanes below pop_off_i, and lanes past the bytes held, are
//   don't-care. When pop_i is high, pop_cnt_i bytes are removed. The caller must keep
//   pop_off_i + pop_cnt_i <= DataBytes and pop_cnt_i <= count_o (bytes pushed in the same
//   cycle cannot be popped in that cycle).
// - clear_i empties the FIFO at the next clock edge (it overrides push and pop).
// - Push and pop may happen in the same cycle; pop_data_o is combinational from the storage,
//   the read pointer and pop_off_i.

`default_nettype none

module sushi_byte_fifo #(
  // Number of byte lanes on each side (4, 8 or 16)
  parameter integer DataBytes = 8,
  // Capacity in bytes (power of two multiple of DataBytes, at least 2*DataBytes)
  parameter integer DepthBytes = 32
) (
  input  wire                           clk_i,
  input  wire                           rst_ni,
  input  wire                           clear_i,
  // Push side
  input  wire                           push_i,
  input  wire [8*DataBytes-1:0]         push_data_i,
  input  wire [$clog2(DataBytes)-1:0]   push_off_i,
  input  wire [$clog2(DataBytes):0]     push_cnt_i,
  // Pop side
  input  wire                           pop_i,
  input  wire [$clog2(DataBytes)-1:0]   pop_off_i,
  input  wire [$clog2(DataBytes):0]     pop_cnt_i,
  output wire [8*DataBytes-1:0]         pop_data_o,
  // Fill level in bytes
  output wire [$clog2(DepthBytes):0]    count_o
);

  localparam integer LaneBits = $clog2(DataBytes);
  localparam integer PtrBits = $clog2(DepthBytes);
  localparam integer RowBits = PtrBits - LaneBits;

  generate
    if (!(DataBytes == 4 || DataBytes == 8 || DataBytes == 16)) begin : g_illegal_data_bytes
      $error("sushi_byte_fifo: DataBytes=%0d must be 4, 8 or 16", DataBytes);
    end
    if ((DepthBytes & (DepthBytes - 1)) != 0 || DepthBytes < 2 * DataBytes) begin : g_illegal_depth
      $error("sushi_byte_fifo: DepthBytes=%0d must be a power of two >= 2*DataBytes", DepthBytes);
    end
  endgenerate

  reg  [PtrBits-1:0]      wptr_q;
  reg  [PtrBits-1:0]      rptr_q;
  reg  [PtrBits:0]        count_q;
  wire [8*DepthBytes-1:0] mem;  // all storage bytes, slot j at [8*j +: 8]

  ////////////////
  // Push side  //
  ////////////////

  // Slot j receives lane (push_off_i + j - wptr_q) mod DataBytes: rotate the input once so
  // that slot j reads rotated lane j mod DataBytes.
  wire [LaneBits-1:0]     push_rot = push_off_i - wptr_q[LaneBits-1:0];
  wire [16*DataBytes-1:0] push_twice = {push_data_i, push_data_i};
  wire [8*DataBytes-1:0]  push_rotated = push_twice[8*push_rot +: 8*DataBytes];

  genvar j;
  generate
    for (j = 0; j < DepthBytes; j = j + 1) begin : g_slot
      localparam [PtrBits-1:0] SlotIdx = j[PtrBits-1:0];
      // Distance of this slot from the write pointer.
      wire [PtrBits-1:0] slot_dist = SlotIdx - wptr_q;
      wire               we = push_i && ({1'b0, slot_dist} < {{(PtrBits-LaneBits){1'b0}}, push_cnt_i});
      reg  [7:0]         byte_q;
      always @(posedge clk_i) begin
        if (we) begin
          byte_q <= push_rotated[8*(j % DataBytes) +: 8];
        end
      end
      assign mem[8*j +: 8] = byte_q;
    end
  endgenerate

  ////////////////
  // Pop side   //
  ////////////////

  // Output lane l shows slot (q + l) mod DepthBytes, with q = rptr_q - pop_off_i. Storage
  // lane k comes from row q_row when k >= q_lane, else from the next row; then rotate.
  wire [PtrBits-1:0]      q = rptr_q - {{RowBits{1'b0}}, pop_off_i};
  wire [LaneBits-1:0]     q_lane = q[LaneBits-1:0];
  wire [RowBits-1:0]      q_row = q[PtrBits-1:LaneBits];
  wire [RowBits-1:0]      q_row_next = q_row + 1'b1;
  wire [8*DataBytes-1:0]  row_a = mem[8*DataBytes*q_row +: 8*DataBytes];
  wire [8*DataBytes-1:0]  row_b = mem[8*DataBytes*q_row_next +: 8*DataBytes];
  wire [8*DataBytes-1:0]  window;
  // Bit k set when storage lane k comes from row_a (k >= q_lane).
  wire [DataBytes-1:0]    from_row_a = {DataBytes{1'b1}} << q_lane;

  genvar k;
  generate
    for (k = 0; k < DataBytes; k = k + 1) begin : g_window
      assign window[8*k +: 8] = from_row_a[k] ? row_a[8*k +: 8] : row_b[8*k +: 8];
    end
  endgenerate

  wire [16*DataBytes-1:0] window_twice = {window, window};
  assign pop_data_o = window_twice[8*q_lane +: 8*DataBytes];

  ////////////////
  // Pointers   //
  ////////////////

  wire [PtrBits:0] push_n = push_i ? {{(PtrBits-LaneBits){1'b0}}, push_cnt_i} : {(PtrBits+1){1'b0}};
  wire [PtrBits:0] pop_n = pop_i ? {{(PtrBits-LaneBits){1'b0}}, pop_cnt_i} : {(PtrBits+1){1'b0}};

  always @(posedge clk_i) begin
    if (!rst_ni || clear_i) begin
      wptr_q  <= {PtrBits{1'b0}};
      rptr_q  <= {PtrBits{1'b0}};
      count_q <= {(PtrBits+1){1'b0}};
    end else begin
      wptr_q  <= wptr_q + push_n[PtrBits-1:0];
      rptr_q  <= rptr_q + pop_n[PtrBits-1:0];
      count_q <= count_q + push_n - pop_n;
    end
  end

  assign count_o = count_q;

endmodule

`default_nettype wire
